import type { LoadedTopology } from '@setgate/config';
import { comparePositions, formatPosition, type LogPosition } from '@setgate/contracts';
import { TopologyView } from '@setgate/topology';

/**
 * Why a leader change was refused (or, forced, why it was unclean), one
 * stable code per shard:
 * - TARGET_BEHIND: the new leader does not hold the old leader's last acknowledged position;
 * - TARGET_UNREACHABLE: the new leader did not say where it stands (and the old leader's view of it is behind or unknown);
 * - OLD_LEADER_UNREACHABLE: the old leader could not be fenced, so its last acknowledged position is not proven.
 */
export type LeaderChangeRefusalCode = 'TARGET_BEHIND' | 'TARGET_UNREACHABLE' | 'OLD_LEADER_UNREACHABLE';

/** One shard whose write-point a new version changes. */
export interface LeaderChangePlan {
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  readonly toSet: string;
  /** The epoch in force now; the new leader starts at epoch + 1. */
  readonly epoch: number;
  /** Sync shards acknowledge only what their replicas hold; async (and minInsync 0) after the leader's own append. */
  readonly mode: 'sync' | 'async';
}

/** What the protocol learnt about one shard before deciding. */
export interface LeaderChangeEvidence {
  readonly plan: LeaderChangePlan;
  /** Where the old leader's log ended when this change fenced it; absent: it could not be fenced. */
  readonly fencedAt?: LogPosition;
  /** Not fenced: the old leader's last acknowledged position as last reported (failover: its last probe). */
  readonly lastKnown?: LogPosition;
  /** Where the new leader stands: its own answer, else what the old leader last saw it hold. */
  readonly target?: LogPosition;
  /** True when `target` is the target's own answer, false when it is the old leader's view of it. */
  readonly targetAnswered: boolean;
}

/** The protocol's decision for one shard. */
export type LeaderChangeVerdict =
  | { readonly kind: 'clean' }
  | {
      readonly kind: 'unclean';
      readonly code: LeaderChangeRefusalCode;
      readonly reason: string;
      /** Acknowledged entries the new leader may lack; undefined when a position is unknown. */
      readonly mayBeLost: number | undefined;
    };

/** A sync shard acknowledges only what its replicas hold; minInsync 0 acknowledges like async. */
export function modeOf(p: { readonly mode: string; readonly minInsync: number }): 'sync' | 'async' {
  return p.mode === 'sync' && p.minInsync > 0 ? 'sync' : 'async';
}

/**
 * Entries at or before `acked` that a log ending at `at` may lack: 0 when
 * `at` is at or past it; otherwise the LSN difference, at least 1 (a log at
 * an older epoch with a higher LSN diverged from the acknowledged one).
 */
export function entriesBehind(acked: LogPosition, at: LogPosition): number {
  if (acked.lsn === 0 || comparePositions(at, acked) >= 0) return 0;
  return Math.max(1, acked.lsn - at.lsn);
}

/**
 * The one rule every leader change obeys (apply, rollback, shard move, drain,
 * failover): the new leader must hold the old leader's last acknowledged
 * position, proven by a fence (the old leader stopped there) or, when the old
 * leader is gone, by its last report. Anything less is unclean: refused,
 * unless an operator forces it, and then the figure says how many
 * acknowledged entries may be lost.
 */
export function judgeLeaderChange(e: LeaderChangeEvidence): LeaderChangeVerdict {
  const { plan } = e;
  const acked = e.fencedAt ?? e.lastKnown;
  const at = e.target;
  const behind = acked && at ? entriesBehind(acked, at) : undefined;
  const where = (p: LogPosition | undefined) => (p ? formatPosition(p) : 'unknown');
  if (!e.fencedAt) {
    return {
      kind: 'unclean',
      code: 'OLD_LEADER_UNREACHABLE',
      reason:
        `shard ${plan.shard}: old leader ${plan.fromNode} could not be fenced, so its last acknowledged position is not proven ` +
        `(last known ${where(e.lastKnown)}; ${plan.toNode} at ${where(at)})`,
      mayBeLost: behind,
    };
  }
  if (behind === 0) return { kind: 'clean' };
  if (!at) {
    return {
      kind: 'unclean',
      code: 'TARGET_UNREACHABLE',
      reason: `shard ${plan.shard}: ${plan.toNode} did not say where it stands and ${plan.fromNode} does not know; its log ends at ${where(e.fencedAt)}`,
      mayBeLost: undefined,
    };
  }
  const seen = e.targetAnswered ? 'is at' : `did not answer; ${plan.fromNode} last saw it hold`;
  return {
    kind: 'unclean',
    code: e.targetAnswered ? 'TARGET_BEHIND' : 'TARGET_UNREACHABLE',
    reason: `shard ${plan.shard}: ${plan.toNode} ${seen} ${where(at)}, behind ${plan.fromNode}'s last acknowledged position ${where(e.fencedAt)} (${behind} entries)`,
    mayBeLost: behind,
  };
}

/** The shards whose write-point node differs between two versions, with the facts the protocol needs. */
export function leaderChangesBetween(current: LoadedTopology, next: LoadedTopology): LeaderChangePlan[] {
  const a = new TopologyView(current);
  const b = new TopologyView(next);
  const out: LeaderChangePlan[] = [];
  for (const p of current.placements) {
    if (!next.placements.some((q) => q.shard === p.shard)) continue;
    const from = a.writePoint(p.shard);
    const to = b.writePoint(p.shard);
    if (from.id === to.id) continue;
    out.push({ shard: p.shard, fromNode: from.id, toNode: to.id, toSet: to.set, epoch: p.epoch, mode: modeOf(p) });
  }
  return out;
}
