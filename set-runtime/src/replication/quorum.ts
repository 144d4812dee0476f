/**
 * The placement rule of a sync shard, as pure functions: which followers'
 * positions make a write acknowledged, and whether enough followers are in
 * sync to accept one at all.
 */

export type InsyncRule = 'any' | 'other-region';

/** A follower as the rule sees it. */
export interface Holder {
  readonly region: string;
  readonly ackLsn: number;
}

export interface QuorumRule {
  readonly minInsync: number;
  readonly rule: InsyncRule;
  readonly leaderRegion: string;
}

/** True when these followers together satisfy the rule. */
export function satisfies(holders: readonly Holder[], q: QuorumRule): boolean {
  if (holders.length < q.minInsync) return false;
  if (q.minInsync === 0 || q.rule === 'any') return true;
  return holders.some((h) => h.region !== q.leaderRegion);
}

/**
 * The high watermark: the highest LSN held by a set of followers that
 * satisfies the rule (the leader's own LSN when minInsync is 0).
 */
export function quorumLsn(leaderLsn: number, followers: readonly Holder[], q: QuorumRule): number {
  if (q.minInsync === 0) return leaderLsn;
  const candidates = [...new Set(followers.map((f) => f.ackLsn))].sort((a, b) => b - a);
  for (const lsn of candidates) {
    if (satisfies(followers.filter((f) => f.ackLsn >= lsn), q)) return Math.min(lsn, leaderLsn);
  }
  return 0;
}

/**
 * The LSN a follower's log may keep when it last wrote in `lastEpoch`: the
 * end of that epoch in the leader's history (Kafka's OffsetsForLeaderEpoch).
 * Anything the follower holds after it is a suffix the leader never had.
 */
export function endOfEpoch(
  history: ReadonlyArray<{ readonly epoch: number; readonly startLsn: number }>,
  lastEpoch: number,
  leaderLsn: number,
): number {
  const next = history.find((e) => e.epoch > lastEpoch);
  return next ? next.startLsn - 1 : leaderLsn;
}
