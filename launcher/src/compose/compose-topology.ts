import type { LoadedTopology } from '@setgate/config';
import { composeRedisUrl } from './redis-services.js';

export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** One instance whose address a container topology rewrites; `set` for set-runtime nodes. */
export interface HostedInstance {
  readonly kind: 'regional-proxy' | 'gateway' | 'set-runtime' | 'control-plane';
  readonly id: string;
  readonly set?: string;
}

/**
 * A copy of `source` in which every instance's host is `hostOf(instance)`:
 * the name it is reached by on a container network. Ports stay as they are:
 * each container has its own network namespace.
 */
export function withHosts(source: LoadedTopology, hostOf: (i: HostedInstance) => string): Mutable<LoadedTopology> {
  const doc = structuredClone(source) as Mutable<LoadedTopology>;
  for (const r of doc.regions) {
    for (const i of r.proxies) i.host = hostOf({ kind: 'regional-proxy', id: i.id });
    for (const i of r.gateways) i.host = hostOf({ kind: 'gateway', id: i.id });
  }
  for (const s of doc.sets) {
    for (const n of s.nodes) n.host = hostOf({ kind: 'set-runtime', id: n.id, set: s.name });
  }
  const cp = doc.controlPlane as { id: string; host: string } | undefined;
  if (cp) cp.host = hostOf({ kind: 'control-plane', id: cp.id });
  return doc;
}

/**
 * The compose variant of a topology: every instance's host becomes its
 * instance id, which is its service name (and DNS name) on the compose
 * network, and each region's gateways count rate limits in the region's Redis.
 */
export function composeTopology(source: LoadedTopology): Mutable<LoadedTopology> {
  const doc = withHosts(source, (i) => i.id);
  for (const r of doc.regions) r.rateLimitRedisUrl = composeRedisUrl(r.name);
  return doc;
}
