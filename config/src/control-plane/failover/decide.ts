import type { Topology } from '@setgate/config';
import { comparePositions, formatPosition, type LogPosition } from '@setgate/contracts';
import type { NodeRef, TopologyView } from '@setgate/topology';

/** One follower in the down write-point's last report. */
export interface FollowerSeen {
  readonly node: string;
  readonly inSync: boolean;
  /** It had fetched from this leader: its log is a prefix of the leader's (a divergent suffix is truncated at the first fetch). */
  readonly following: boolean;
}

/** What the down write-point last reported about one shard it led, before it went away. */
export interface LeaderLastSeen {
  readonly followers: readonly FollowerSeen[];
  readonly position: LogPosition;
  /** Highest LSN its replicas held by the placement rule: every acknowledged sync write is at or below it. */
  readonly highWatermark: number;
  /** Wall-clock ms of that report. */
  readonly at: number;
}

/** Where one replica of a shard stands, asked once the leader is down; no position: unreachable or not holding it. */
export interface ReplicaPosition {
  readonly node: string;
  readonly position?: LogPosition;
  readonly error?: string;
  /**
   * A follower's last word on the leader's log end (its own LSN + the lag the
   * leader's last fetch answer showed). Fresher than the leader's last probe
   * when the follower had fetched but not yet received everything.
   */
  readonly leaderLsnSeen?: number;
}

export interface Promotion {
  readonly kind: 'promote';
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  readonly toSet: string;
  /** The epoch the new leader starts: current + 1. */
  readonly epoch: number;
  /** Where the promoted replica's log ends. */
  readonly position: LogPosition;
  readonly inSync: boolean;
  /** Async shards: entries the old leader had at its last report that the promoted replica lacks (possibly lost). */
  readonly behindLastSeen?: number;
  readonly mode: 'sync' | 'async';
  /**
   * The old leader's last acknowledged position as known: sync, the high
   * watermark it last reported; async, the furthest of its last reported log
   * end and what its followers last heard it had. Absent: never heard.
   */
  readonly lastKnown?: LogPosition;
}

export interface Hold {
  readonly kind: 'hold';
  readonly shard: number;
  readonly fromNode: string;
  readonly reason: string;
}

export type ShardDecision = Promotion | Hold;

export interface DecideInput {
  readonly view: TopologyView;
  readonly shard: number;
  readonly downNode: string;
  /** Undefined when the controller never heard the leader report this shard. */
  readonly lastSeen?: LeaderLastSeen;
  /** Positions of the shard's other replicas, by node id; a replica missing here counts as unreachable. */
  readonly replicas: ReadonlyMap<string, ReplicaPosition>;
}

interface Candidate {
  readonly node: NodeRef;
  readonly position: LogPosition;
  readonly inSync: boolean;
  readonly following: boolean;
  readonly drained: boolean;
  readonly rttMs: number;
}

/** A sync shard acknowledges only what its replicas hold; minInsync 0 acknowledges like async. */
const isSync = (p: { mode: string; minInsync: number }) => p.mode === 'sync' && p.minInsync > 0;

/** Most caught-up first; ties to in-sync, then not drained, then nearest the old leader, then by id. */
const byPreference = (a: Candidate, b: Candidate) =>
  comparePositions(b.position, a.position) ||
  Number(b.inSync) - Number(a.inSync) ||
  Number(a.drained) - Number(b.drained) ||
  a.rttMs - b.rttMs ||
  a.node.id.localeCompare(b.node.id);

/**
 * Chooses who takes over one shard of a down write-point.
 *
 * Sync shard: promoted only when a replica the leader counted in sync at its
 * last report is reachable; otherwise held, with the reason. The choice is
 * the most caught-up reachable replica among those that were following the
 * leader (had fetched from it, so their logs are prefixes of its log and the
 * longest holds everything the others hold). Usually that is an in-sync one;
 * a follower the leader no longer counted in sync can win only by being
 * strictly ahead, and then it must win: the leader's high watermark counts
 * every follower's position, so a write may have been acknowledged on it
 * alone. A node that never fetched from this leader (an old leader back with
 * a suffix nobody acknowledged) is never chosen over the followers. Last
 * guard: a choice below the high watermark the leader last reported would
 * certainly lose acknowledged writes, so the shard is held instead.
 *
 * Async shard: the most caught-up reachable follower of the leader (any
 * reachable replica when none was following); what it lacks from the
 * leader's last report is returned as `behindLastSeen`, never hidden.
 */
export function decideShard(input: DecideInput): ShardDecision {
  const { view, shard, downNode, lastSeen } = input;
  const placement = view.placement(shard);
  const hold = (reason: string): Hold => ({ kind: 'hold', shard, fromNode: downNode, reason });
  const from = view.node(downNode);
  const seen = new Map((lastSeen?.followers ?? []).map((f) => [f.node, f]));
  const drained = drainedSets(view.doc);
  const reachable: Candidate[] = [];
  const unreachable: string[] = [];
  for (const node of view.replicaNodes(shard)) {
    if (node.id === downNode) continue;
    const position = input.replicas.get(node.id)?.position;
    if (!position) {
      unreachable.push(node.id);
      continue;
    }
    reachable.push({
      node,
      position,
      inSync: seen.get(node.id)?.inSync ?? false,
      following: seen.get(node.id)?.following ?? false,
      drained: drained.has(node.set),
      rttMs: from ? view.rtt(from.region, node.region) : 0,
    });
  }
  const unreachableNote = unreachable.length > 0 ? ` (unreachable: ${unreachable.join(', ')})` : '';
  if (reachable.length === 0) return hold(`no replica of shard ${shard} is reachable${unreachableNote}`);
  const following = reachable.filter((c) => c.following);

  if (isSync(placement)) {
    if (!lastSeen) {
      return hold(`sync shard ${shard}: ${downNode} was never heard leading it since this controller started, so its in-sync replicas are unknown`);
    }
    const inSync = lastSeen.followers.filter((f) => f.inSync).map((f) => f.node);
    if (inSync.length === 0) return hold(`sync shard ${shard}: ${downNode} counted no replica in sync at its last report`);
    if (!reachable.some((c) => c.inSync)) {
      return hold(`sync shard ${shard}: no replica ${downNode} counted in sync (${inSync.join(', ')}) is reachable${unreachableNote}`);
    }
    const best = following.sort(byPreference)[0] as Candidate;
    if (best.position.lsn < lastSeen.highWatermark) {
      return hold(
        `sync shard ${shard}: the most caught-up follower ${best.node.id} is at ${formatPosition(best.position)}, ` +
          `below the high watermark ${lastSeen.highWatermark} ${downNode} reported; acknowledged writes would be lost`,
      );
    }
    return promote(input, best, 'sync', { epoch: lastSeen.position.epoch, lsn: lastSeen.highWatermark });
  }
  const best = (following.length > 0 ? following : reachable).sort(byPreference)[0] as Candidate;
  const known = lastKnownAsync(lastSeen, input.replicas.values(), placement.epoch);
  // Every entry of an async leader was acknowledged on its own append: what the new leader lacks of it may be lost.
  const behind = known ? Math.max(0, known.lsn - best.position.lsn) : 0;
  return promote(input, best, 'async', known, behind);
}

/**
 * Why the accounting of async loss never fired before (issue 11, finding 8):
 * only the leader's last probe was compared, which is up to a probe interval
 * old, while followers on a fast link pass that position within
 * milliseconds; so the promoted follower always looked caught up. Now the
 * furthest known position counts: the last probe, or what a follower last
 * heard from the leader, whichever is further.
 */
function lastKnownAsync(lastSeen: LeaderLastSeen | undefined, replicas: Iterable<ReplicaPosition>, epoch: number): LogPosition | undefined {
  let known = lastSeen?.position;
  for (const r of replicas) {
    if (r.leaderLsnSeen === undefined || (known && known.lsn >= r.leaderLsnSeen)) continue;
    known = { epoch: known?.epoch ?? epoch, lsn: r.leaderLsnSeen };
  }
  return known;
}

function promote(input: DecideInput, c: Candidate, mode: 'sync' | 'async', lastKnown: LogPosition | undefined, behindLastSeen = 0): Promotion {
  return {
    kind: 'promote',
    shard: input.shard,
    fromNode: input.downNode,
    toNode: c.node.id,
    toSet: c.node.set,
    epoch: input.view.placement(input.shard).epoch + 1,
    position: c.position,
    inSync: c.inSync,
    mode,
    ...(lastKnown ? { lastKnown } : {}),
    ...(behindLastSeen > 0 ? { behindLastSeen } : {}),
  };
}

function drainedSets(doc: TopologyView['doc']): Set<string> {
  const regions = new Set(doc.regions.filter((r) => r.drained).map((r) => r.name));
  return new Set(doc.sets.filter((s) => s.drained || regions.has(s.region)).map((s) => s.name));
}

/**
 * Writes promotions into `doc`: the chosen node's set leads, the node itself
 * named as leaderNode unless it is the set's first node (the default), and
 * the epoch moves to current + 1 so the old leader's writes are fenced.
 */
export function applyPromotions(doc: Topology, view: TopologyView, promotions: readonly Promotion[]): Topology {
  const byShard = new Map(doc.placements.map((p) => [p.shard, p]));
  for (const m of promotions) {
    const p = byShard.get(m.shard);
    if (!p) continue;
    p.leader = m.toSet;
    if (view.nodesOfSet(m.toSet)[0]?.id === m.toNode) delete p.leaderNode;
    else p.leaderNode = m.toNode;
    p.epoch = m.epoch;
  }
  return doc;
}
