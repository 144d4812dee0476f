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
  /**
   * Sent as x-setgate-min-position: the client's session position for this shard. Every
   * candidate of a plan carries it, fallback ones included: read-your-writes has no exception.
   */
  readonly minPosition: LogPosition | undefined;
  /** Sent as x-setgate-max-staleness-ms to replicas; undefined on the write-point and on a stale fallback. */
  readonly maxStalenessMs: number | undefined;
  /** True when this is a stale-fallback read: served past the command's bound, and answered marked so. */
  readonly staleFallback: boolean;
}

/** Where a request goes, in order, and where a read may fall back to. */
export interface RoutePlan {
  readonly shard: number;
  readonly epoch: number;
  /** Tried in order: the next one after a refusal (409) or a failure. Never empty. */
  readonly candidates: readonly Candidate[];
  /**
   * Where a read goes when the write-point is unreachable, computed only then: the
   * replicas not in `skip` (node ids the walk already failed on, or that refused it as
   * behind the session position), healthy ones nearest first, then ejected ones. Each is
   * asked for the session position. A command with `staleFallback` drops the staleness
   * bound and is answered marked; one without keeps the bound (so only replicas the walk
   * did not try, the ejected ones, can help) or has no fallback at all with a bound of 0.
   */
  fallback(skip: ReadonlySet<string>): readonly Candidate[];
}

/**
 * Plans a request to `shard`. Writes and zero-staleness reads: the write-point
 * only. Reads with a staleness bound: replicas nearest first (by this region's
 * RTT), skipping ejected ones, each asked to be within the bound and at or past
 * the client's session position; then the write-point, asked for the position
 * too. Throws when the shard has no placement or write-point.
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
  const leader: Candidate = { node: writePoint, leader: true, minPosition, maxStalenessMs: undefined, staleFallback: false };
  const fallback = (skip: ReadonlySet<string>): readonly Candidate[] => {
    if (def.kind !== 'read' || (!def.staleFallback && def.maxStalenessMs === 0)) return [];
    const bound = def.staleFallback ? undefined : def.maxStalenessMs;
    return replicas(view, shard, region, writePoint, health, skip).map((node) => ({
      node,
      leader: false,
      minPosition,
      maxStalenessMs: bound,
      staleFallback: def.staleFallback,
    }));
  };
  if (def.kind === 'write' || def.maxStalenessMs === 0) return { shard, epoch, candidates: [leader], fallback };
  const candidates: Candidate[] = [];
  for (const node of replicasByDistance(view, shard, region)) {
    if (node.id === writePoint.id) break;
    if (health.isEjected(node.id)) continue;
    candidates.push({ node, leader: false, minPosition, maxStalenessMs: def.maxStalenessMs, staleFallback: false });
  }
  candidates.push(leader);
  return { shard, epoch, candidates, fallback };
}

/** Every replica but the write-point and `skip`, nearest first, ejected ones last (never none for ejection alone). */
function replicas(view: TopologyView, shard: number, region: string, writePoint: NodeRef, health: NodeHealth, skip: ReadonlySet<string>): NodeRef[] {
  const all = replicasByDistance(view, shard, region).filter((n) => n.id !== writePoint.id && !skip.has(n.id));
  const healthy = all.filter((n) => !health.isEjected(n.id));
  return [...healthy, ...all.filter((n) => health.isEjected(n.id))];
}
