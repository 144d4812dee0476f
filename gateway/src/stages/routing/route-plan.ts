import type { LogPosition } from '@setgate/contracts';
import type { NodeRef, RouteCommand, TopologyView } from '@setgate/topology';
import type { NodeHealth } from '../forward/node-health.js';
import type { SessionPositions } from './session-token.js';

// Replica order per topology version, region and shard: the RTT sort is done once, not per request.
const byDistanceCache = new WeakMap<TopologyView, Map<string, readonly NodeRef[]>>();

function replicasByDistance(view: TopologyView, shard: number, region: string): readonly NodeRef[] {
  let perView = byDistanceCache.get(view);
  if (perView === undefined) {
    perView = new Map();
    byDistanceCache.set(view, perView);
  }
  const key = `${region}|${shard}`;
  let nodes = perView.get(key);
  if (nodes === undefined) {
    nodes = Object.freeze(view.replicasByDistance(shard, region));
    perView.set(key, nodes);
  }
  return nodes;
}

/** One place a request may be sent, with the freshness conditions the node must meet. */
export interface Candidate {
  readonly node: NodeRef;
  /** True for the shard's write-point: always fresh, never refuses a read. */
  readonly leader: boolean;
  /** Sent as x-setgate-min-position: the client's session position for this shard. */
  readonly minPosition: LogPosition | undefined;
  /** Sent as x-setgate-max-staleness-ms to replicas. */
  readonly maxStalenessMs: number | undefined;
}

/** Where a request goes, in order, and where a stale-tolerant read may fall back to. */
export interface RoutePlan {
  readonly shard: number;
  readonly epoch: number;
  /** Tried in order: the next one after a refusal (409) or a failure. Never empty. */
  readonly candidates: readonly Candidate[];
  /**
   * Replicas to serve a `staleFallback` read from, without freshness conditions,
   * when the write-point is unreachable; computed only then.
   */
  staleFallback(): readonly Candidate[];
}

/**
 * Plans a request to `shard`. Writes and zero-staleness reads: the write-point
 * only. Reads with a staleness bound: replicas nearest first (by this region's
 * RTT), skipping ejected ones, each asked to be within the bound and at or past
 * the client's session position; then the write-point. Throws when the shard
 * has no placement or write-point.
 */
export function planRoute(
  view: TopologyView,
  command: RouteCommand,
  shard: number,
  region: string,
  session: SessionPositions | undefined,
  health: NodeHealth,
): RoutePlan {
  const def = command.def;
  const epoch = view.placement(shard).epoch;
  const writePoint = view.writePoint(shard);
  const minPosition = session?.get(shard);
  const leader: Candidate = { node: writePoint, leader: true, minPosition, maxStalenessMs: undefined };
  const staleFallback =
    def.kind === 'read' && def.staleFallback ? () => replicas(view, shard, region, writePoint, health) : noFallback;
  if (def.kind === 'write' || def.maxStalenessMs === 0) return { shard, epoch, candidates: [leader], staleFallback };
  const candidates: Candidate[] = [];
  for (const node of replicasByDistance(view, shard, region)) {
    if (node.id === writePoint.id) break;
    if (health.isEjected(node.id)) continue;
    candidates.push({ node, leader: false, minPosition, maxStalenessMs: def.maxStalenessMs });
  }
  candidates.push(leader);
  return { shard, epoch, candidates, staleFallback };
}

const noFallback = (): readonly Candidate[] => [];

function replicas(view: TopologyView, shard: number, region: string, writePoint: NodeRef, health: NodeHealth): Candidate[] {
  const all = replicasByDistance(view, shard, region).filter((n) => n.id !== writePoint.id);
  const healthy = all.filter((n) => !health.isEjected(n.id));
  // Never all nodes: with every replica ejected, try them anyway.
  return (healthy.length > 0 ? healthy : all).map((node) => ({ node, leader: false, minPosition: undefined, maxStalenessMs: undefined }));
}
