import type { LeaderLastSeen } from './decide.js';
import type { ProbedStatus } from './probe.js';
import { MIN_FAILED_PROBES } from './settings.js';
import type { QuorumVerdict, WitnessVote } from './witness.js';

/**
 * - unknown: never answered since the controller started (a node still
 *   starting, or one already dead then); never acted on.
 * - up: answered its last probe.
 * - suspect: failed one or more probes in a row, not yet for long enough.
 * - down: failed at least MIN_FAILED_PROBES checks in a row, and a quorum of
 *   witnesses has found it unreachable for downAfterMs (slowDownAfterMs when
 *   some of them saw timeouts rather than refusals).
 */
export type HealthState = 'unknown' | 'up' | 'suspect' | 'down';

/** What the controller last did (or declined to do) about a node. */
export interface NodeAction {
  readonly kind: 'promoted' | 'suppressed' | 'held' | 'publish-failed' | 'deferred' | 'no-quorum';
  /** ISO time. */
  readonly at: string;
  readonly detail: string;
  /** The version that moved the node's shards away (promoted). */
  readonly version?: number;
  readonly shards?: readonly number[];
}

/**
 * One probed node's health over time. Down is decided on consecutive failures
 * over time, counted from when the first failure was seen: a node that is
 * merely slow once goes suspect and back to up with its next answer.
 */
export class NodeHealth {
  state: HealthState = 'unknown';
  /** Wall-clock ms the current state began. */
  since: number;
  consecutiveFailures = 0;
  /** When the first failure of the current run was seen: the down clock starts there. */
  firstFailureAt: number | undefined;
  lastOkAt: number | undefined;
  lastError: string | undefined;
  lastAction: NodeAction | undefined;
  /** True once a suppressed failover of the current down episode was counted and logged. */
  suppressedThisEpisode = false;
  /** Since when (controller clock) a quorum of witnesses has found it unreachable in every round; undefined: not now. */
  quorumSince: number | undefined;
  /**
   * The last round's down votes included timeouts or errors rather than refusals only: the
   * longer slowDownAfterMs applies. Not sticky: a killed node's first round often ends in a
   * reset of a pooled connection ('error'), and from then on every check is refused.
   */
  slowRun = false;
  /** The witnesses' votes of the last round that asked them, and when. */
  lastVotes: readonly WitnessVote[] = [];
  lastVotesAt: number | undefined;
  /** Per shard it led, what it last reported (its followers, position, high watermark). */
  private readonly led = new Map<number, LeaderLastSeen>();

  constructor(now: number) {
    this.since = now;
  }

  recordOk(status: ProbedStatus, now: number, requestedAt = now): void {
    // A full status is also a liveness answer; it adds the positions of the shards it leads.
    this.recordAlive(now);
    this.recordPositions(status, now, requestedAt);
  }

  /**
   * When the full status behind the positions held was requested (controller clock): every write a
   * node acknowledged before then is in them.
   */
  positionsAsOf: number | undefined;

  /** The positions of a full status only, without its liveness (a status read that ran beside the checks, answered late). */
  recordPositions(status: ProbedStatus, now: number, requestedAt = now): void {
    this.positionsAsOf = Math.max(this.positionsAsOf ?? requestedAt, requestedAt);
    for (const s of status.shards) {
      if (s.role !== 'leader') {
        this.led.delete(s.shard);
        continue;
      }
      this.led.set(s.shard, {
        followers: (s.followers ?? []).map((f) => ({ node: f.node, inSync: f.inSync, following: f.lastFetchAgoMs >= 0 })),
        position: { epoch: s.epoch, lsn: s.lsn },
        highWatermark: s.highWatermark,
        at: now,
      });
    }
  }

  /** A cheap liveness check answered (no positions with it): up, the last full status stays as it was. */
  recordAlive(now: number): void {
    if (this.state !== 'up') this.since = now;
    this.state = 'up';
    this.consecutiveFailures = 0;
    this.firstFailureAt = undefined;
    this.lastOkAt = now;
    this.lastError = undefined;
    this.suppressedThisEpisode = false;
    this.quorumSince = undefined;
    this.slowRun = false;
  }

  /**
   * Counts a failed check with the witnesses' verdict of the same round
   * (undefined: the controller alone decides, as when no witnesses are
   * configured); returns true when this failure made the node down. While
   * `heardAlive` (its watch poll was answered within the lease) it is never
   * down, but the quorum run keeps its start.
   */
  recordFailure(error: string, now: number, downAfterMs: number, verdict?: QuorumVerdict, slowDownAfterMs = downAfterMs, heardAlive = false): boolean {
    this.consecutiveFailures += 1;
    this.lastError = error;
    // A node never heard is left alone: at start-up the nodes come after the control plane.
    if (this.state === 'unknown') return false;
    if (this.state === 'up') {
      this.state = 'suspect';
      this.since = now;
      this.firstFailureAt = now;
    }
    const unreachable = verdict ? verdict.down : true;
    if (!unreachable) {
      // Witnesses reach it again (or too few can vote): no longer down, whatever the controller's own check says.
      if (this.state === 'down') {
        this.state = 'suspect';
        this.since = now;
      }
      this.quorumSince = undefined;
      this.slowRun = false;
      return false;
    }
    if (this.quorumSince === undefined) this.quorumSince = verdict ? now : (this.firstFailureAt ?? now);
    this.slowRun = verdict?.slow ?? false;
    if (heardAlive) {
      // Its own watch poll reached the control plane within the lease: alive, whatever the checks say.
      if (this.state === 'down') {
        this.state = 'suspect';
        this.since = now;
      }
      return false;
    }
    const needed = this.slowRun ? slowDownAfterMs : downAfterMs;
    if (this.state === 'suspect' && this.consecutiveFailures >= MIN_FAILED_PROBES && now - this.quorumSince >= needed) {
      this.state = 'down';
      this.since = now;
      return true;
    }
    return false;
  }

  /** ms the current quorum run has lasted; 0 when no quorum finds it unreachable now. */
  quorumForMs(now: number): number {
    return this.quorumSince === undefined ? 0 : now - this.quorumSince;
  }

  /** ms since the first failure of the current run; 0 while answering. */
  downForMs(now: number): number {
    return this.firstFailureAt === undefined ? 0 : now - this.firstFailureAt;
  }

  lastSeen(shard: number): LeaderLastSeen | undefined {
    return this.led.get(shard);
  }
}
