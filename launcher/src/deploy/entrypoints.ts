import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The image's health check (deploy/Dockerfile HEALTHCHECK, the compose
 * services' healthcheck): probes the admin listener the component recorded in
 * its ready file (SETGATE_READY_FILE), whatever the instance and its ports.
 */
export const HEALTHCHECK_MODULE = 'packages/service-kit/.tsbuild/src/healthcheck.js';

/** What a container runs: the control plane or one of the topology's instance kinds. */
export type ComponentKind = 'control-plane' | 'set-runtime' | 'gateway' | 'regional-proxy';

/** The package and export whose module is each component's process. */
const MAIN: Record<ComponentKind, { readonly dir: string; readonly exportName: string }> = {
  'control-plane': { dir: 'config', exportName: './control-plane-main' },
  'set-runtime': { dir: 'set-runtime', exportName: './main' },
  gateway: { dir: 'gateway', exportName: './main' },
  'regional-proxy': { dir: 'regional-proxy', exportName: './main' },
};

type ExportTarget = string | { readonly default?: string };

/**
 * The command that starts `kind` inside the image (working directory = the
 * repository root), read from the package's own `exports`, so the compose
 * file, the Kubernetes manifests and the Dockerfile name the module that the
 * build emits: compiled JavaScript runs with plain `node`; a TypeScript
 * source (no build) needs tsx.
 */
export function componentCommand(root: string, kind: ComponentKind): string[] {
  const { dir, exportName } = MAIN[kind];
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { exports?: Record<string, ExportTarget> };
  const target = pkg.exports?.[exportName];
  const file = typeof target === 'string' ? target : target?.default;
  if (file === undefined) throw new Error(`${dir}/package.json exports no ${exportName}`);
  const path = join(dir, file);
  return path.endsWith('.ts') ? ['node', '--import', 'tsx', path] : ['node', path];
}
