import type { LoadedTopology } from '@setgate/config';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/**
 * The container variant of a topology: every instance's host becomes its
 * instance id, which is its service name (and DNS name) on the compose network.
 * Ports stay as they are: each container has its own network namespace.
 */
export function composeTopology(source: LoadedTopology): Mutable<LoadedTopology> {
  const doc = structuredClone(source) as Mutable<LoadedTopology>;
  for (const r of doc.regions) {
    for (const i of [...r.proxies, ...r.gateways]) i.host = i.id;
  }
  for (const s of doc.sets) {
    for (const n of s.nodes) n.host = n.id;
  }
  const cp = doc.controlPlane as { id: string; host: string } | undefined;
  if (cp) cp.host = cp.id;
  return doc;
}
