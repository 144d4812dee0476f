import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTopologyFile } from '@setgate/config';
import { k8sFiles, type RenderOptions, renderK8s } from './manifests.js';

/** Where `npm run k8s` writes, relative to the repository root. */
export const K8S_DIR = 'deploy/k8s';

/** Every file of the Kubernetes deployment of the topology at `sourcePath`, as text. */
export function generateK8s(sourcePath: string, root: string, opts: RenderOptions = {}): Map<string, string> {
  return k8sFiles(renderK8s(loadTopologyFile(sourcePath), root, opts));
}

// `npm run k8s [-- --control-plane etcd --out DIR]`: regenerate deploy/k8s (or DIR) from config/topology.yaml.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(new URL('../../..', import.meta.url).pathname);
  const { values } = parseArgs({ options: { 'control-plane': { type: 'string' }, out: { type: 'string' }, config: { type: 'string' } } });
  const mode = values['control-plane'] ?? 'source';
  if (mode !== 'source' && mode !== 'etcd') throw new Error(`--control-plane must be etcd (or omitted), not ${mode}`);
  const outDir = resolve(root, values.out ?? K8S_DIR);
  const files = generateK8s(resolve(root, values.config ?? 'config/topology.yaml'), root, { controlPlaneStore: mode });
  mkdirSync(outDir, { recursive: true });
  // A file left from an earlier topology would still be applied by a hand-made kustomization: start clean.
  for (const f of readdirSync(outDir)) if (f.endsWith('.yaml')) rmSync(join(outDir, f));
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  process.stdout.write(`wrote ${files.size} files to ${outDir}\n`);
}
