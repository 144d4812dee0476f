import type { Problem } from './problem.js';

/**
 * The set-runtime node's HTTP contract, as gateways and tools see it.
 * Commands live under `/cmd/...` (paths come from the route table's
 * `upstream.path`); the raw state API under `/state/:shard/:key`.
 */
export const NodePath = {
  health: '/_setgate/health',
  state: '/state/:shard/:key',
  status: '/status',
} as const;

/** A stored value with its version; the version is also the ETag (quoted). */
export interface StateRecord<V = unknown> {
  key: string;
  value: V;
  version: number;
}

/** Where a shard lives now; sent with 421 so the gateway can refresh and retry. */
export interface ShardOwner {
  shard: number;
  set: string;
  node: string;
  url: string;
  epoch: number;
}

/** Body of a 421 Misdirected Request from a node that does not hold the shard. */
export interface MisdirectedProblem extends Problem {
  shard: number;
  owner: ShardOwner | null;
  configVersion: number;
}

/** `/status` of a node: what it holds and in which role. */
export interface NodeStatus {
  node: string;
  set: string;
  region: string;
  configVersion: number;
  store: string;
  shards: Array<{ shard: number; role: 'leader' | 'follower'; epoch: number; keys: number }>;
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** Parses an If-Match / ETag value produced by etagOf; undefined when malformed. */
export function versionFromEtag(etag: string | undefined): number | undefined {
  if (!etag) return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(etag.trim());
  return m ? Number(m[1]) : undefined;
}
