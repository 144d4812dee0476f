import type { LogPosition } from './position.js';
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

/**
 * Read-freshness contract between gateway and node (replica reads).
 * Every read response carries `x-setgate-epoch`/`x-setgate-lsn` (the replica's
 * applied position), `x-setgate-staleness-ms` (0 on the write-point; on a
 * follower, how long since it was last known caught up with the leader) and
 * `x-setgate-lag-entries`. A read sent with `x-setgate-min-position` waits up to
 * the topology's `replication.readWaitMs` for the replica to get there; one sent
 * with `x-setgate-max-staleness-ms` is refused at once if the replica is staler.
 * Both refusals are 409 problems of this shape, so the gateway can try the next
 * replica or the write-point.
 */
export interface ReadRefusedProblem extends Problem {
  code: 'SETGATE_NODE_BEHIND_POSITION' | 'SETGATE_NODE_TOO_STALE';
  shard: number;
  /** Where this replica is. */
  position: LogPosition;
  stalenessMs: number;
  /** The write-point, which always satisfies both conditions. */
  owner: ShardOwner | null;
}
