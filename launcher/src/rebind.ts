import { readFileSync, writeFileSync } from 'node:fs';
import { type LoadedTopology, TopologyError, validateTopology } from '@setgate/config';
import { freePorts } from '@setgate/process-supervisor';
import { parse } from 'yaml';

interface Bindable {
  port: number;
  adminPort: number;
}

/**
 * Copies a topology file to `outPath` with every port replaced by a free one,
 * so tests and benchmarks run beside `npm start` and each other. `edit` may
 * change the document further (e.g. switch a node's store) before it is validated.
 */
export async function rebindTopology(
  srcPath: string,
  outPath: string,
  edit?: (doc: Record<string, unknown>) => void,
): Promise<LoadedTopology> {
  const doc = parse(readFileSync(srcPath, 'utf8')) as {
    regions: Array<{ proxies: Bindable[]; gateways: Bindable[] }>;
    sets: Array<{ nodes: Bindable[] }>;
    controlPlane?: Bindable;
  };
  const listeners: Bindable[] = [
    ...doc.regions.flatMap((r) => [...r.proxies, ...r.gateways]),
    ...doc.sets.flatMap((s) => s.nodes),
    ...(doc.controlPlane ? [doc.controlPlane] : []),
  ];
  const ports = await freePorts(listeners.length * 2);
  listeners.forEach((l, i) => {
    l.port = ports[2 * i] as number;
    l.adminPort = ports[2 * i + 1] as number;
  });
  edit?.(doc as unknown as Record<string, unknown>);
  const result = validateTopology(doc);
  if (!result.ok) throw new TopologyError(result.problems, outPath);
  // JSON is valid YAML: every component's loader reads it.
  writeFileSync(outPath, JSON.stringify(doc, null, 2));
  return result.topology;
}
