import type { FetchResponse, FetchSessionRefusal, FetchSessionShard } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import type { ShardStore } from '../store/types.js';
import { Notifier } from './notifier.js';
import type { PeerClient } from './peer-client.js';
import { tracedApply } from './replication-spans.js';

/** What one follower follows: a leader at an epoch. A new config that changes either makes a new follower. */
export interface FollowTarget {
  readonly shard: number;
  readonly leaderId: string;
  readonly leaderAdminUrl: string;
  readonly epoch: number;
}

/** How far behind the leader this replica is, as the last answer showed. */
export interface FollowerProgress {
  readonly leaderLsn: number;
  readonly highWatermark: number;
  /** When this replica last held the leader's high watermark (0: never since start). */
  readonly caughtUpAt: number;
}

/** Pause after a refused or failed fetch of a shard, so a leader that moved on is not hammered while the config catches up. */
export const RETRY_MS = 100;

/**
 * One shard this node follows. Its leader's fetch session asks for the
 * shard's next LSN (which acknowledges what was applied) and hands it the
 * answer: entries are applied in order, a divergent suffix is truncated as
 * the leader says, and a position before the leader's log start is restored
 * from a snapshot — in the background, so one long restore does not hold up
 * the other shards of the session.
 */
export class ShardFollower {
  /** Notified after every apply (wakes reads waiting for a session position). */
  readonly applied = new Notifier();
  private progress: FollowerProgress = { leaderLsn: 0, highWatermark: 0, caughtUpAt: 0 };
  private readonly abort = new AbortController();
  /** An answer being applied: the shard is not asked for meanwhile. */
  private busy: Promise<void> | undefined;
  /** A snapshot being restored: likewise. */
  private restoring: Promise<void> | undefined;
  /** performance.now() before which the shard is not asked for again (after a refusal or a failure). */
  private retryAt = 0;

  constructor(
    readonly target: FollowTarget,
    private readonly nodeId: string,
    private readonly store: ShardStore,
    private readonly peer: PeerClient,
    private readonly logger: Telemetry['logger'],
    private readonly now: () => number = Date.now,
    private readonly tracer?: Telemetry['tracer'],
  ) {}

  get state(): FollowerProgress {
    return this.progress;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** 0 when the shard belongs in the next fetch, else how many ms until it does (Infinity: when its restore ends). */
  dueIn(monotonicNow: number): number {
    if (this.busy || this.restoring) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.retryAt - monotonicNow);
  }

  /** This shard's part of the next session fetch: where its log stands. */
  request(): FetchSessionShard {
    const position = this.store.position();
    return { shard: this.target.shard, epoch: this.target.epoch, fromLsn: position.lsn + 1, lastEpoch: position.epoch };
  }

  /**
   * Applies the leader's answer for this shard; nothing once stopped. A
   * snapshot to restore starts in the background and calls `restored` when
   * done, so the session asks for the shard again at once.
   */
  async handle(answer: FetchResponse, fetchedAt: number, restored: () => void): Promise<void> {
    if (this.stopped || this.busy || this.restoring) return;
    const run = this.apply(answer, fetchedAt, restored);
    this.busy = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
    } catch (err) {
      this.failed(err);
    } finally {
      this.busy = undefined;
    }
  }

  /** The leader would not serve the shard (not its leader at this epoch, or fenced): ask again after a pause. */
  refused(refusal: FetchSessionRefusal): void {
    this.logger.debug({ shard: this.target.shard, leader: this.target.leaderId, code: refusal.code, detail: refusal.detail }, 'replication fetch refused');
    this.retryAt = performance.now() + RETRY_MS;
  }

  /** Stops applying answers; waits for one being applied or restored. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.busy;
    await this.restoring;
  }

  private async apply(answer: FetchResponse, fetchedAt: number, restored: () => void): Promise<void> {
    switch (answer.kind) {
      case 'entries':
        if (answer.entries.length > 0) {
          await tracedApply(this.tracer, this.target, this.nodeId, fetchedAt, answer, () => this.store.appendReplicated(answer.entries));
        }
        break;
      case 'truncate':
        this.logger.info({ shard: this.target.shard, toLsn: answer.toLsn }, 'truncating a suffix the leader does not have');
        if (!(await this.store.truncateAfter(answer.toLsn))) this.restoreInBackground(restored);
        break;
      case 'snapshot':
        this.restoreInBackground(restored);
        break;
    }
    const lsn = this.store.position().lsn;
    this.progress = {
      leaderLsn: answer.leaderLsn,
      highWatermark: answer.highWatermark,
      caughtUpAt: lsn >= answer.highWatermark ? this.now() : this.progress.caughtUpAt,
    };
    this.applied.notify();
  }

  private restoreInBackground(restored: () => void): void {
    this.restoring = this.restoreSnapshot()
      .catch((err: unknown) => this.failed(err))
      .finally(() => {
        this.restoring = undefined;
        this.applied.notify();
        if (!this.stopped) restored();
      });
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    this.logger.debug({ err, shard: this.target.shard, leader: this.target.leaderId }, 'replication apply failed');
    this.retryAt = performance.now() + RETRY_MS;
  }

  private async restoreSnapshot(): Promise<void> {
    const { shard, epoch, leaderAdminUrl } = this.target;
    const { signal } = this.abort;
    const snapshot = await this.peer.snapshot(leaderAdminUrl, shard, epoch, 30000, signal);
    if (signal.aborted) return;
    await this.store.installSnapshot(snapshot);
    this.logger.info({ shard, position: snapshot.position, records: snapshot.records.length }, 'restored a snapshot');
  }
}
