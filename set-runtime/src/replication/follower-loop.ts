import type { FetchResponse } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import type { ShardStore } from '../store/types.js';
import { Notifier } from './notifier.js';
import { tracedApply } from './replication-spans.js';
import type { PeerClient } from './peer-client.js';

/** What one loop follows: a leader at an epoch. A new config that changes either starts a new loop. */
export interface FollowTarget {
  readonly shard: number;
  readonly leaderId: string;
  readonly leaderAdminUrl: string;
  readonly epoch: number;
}

export interface FollowerSettings {
  readonly fetchMaxWaitMs: number;
  readonly fetchMaxEntries: number;
}

/** How far behind the leader this replica is, as the last answer showed. */
export interface FollowerProgress {
  readonly leaderLsn: number;
  readonly highWatermark: number;
  /** When this replica last held the leader's high watermark (0: never since start). */
  readonly caughtUpAt: number;
}

/** Pause after a failed fetch, so a dead leader is not hammered while the config catches up. */
const RETRY_MS = 100;

/**
 * Pulls one shard from its leader: fetch from the next LSN (long-poll), apply
 * in order, and fetch again — which acknowledges what was applied. A
 * divergent suffix is truncated as the leader says; a position before the
 * leader's log start is restored from a snapshot.
 */
export class FollowerLoop {
  /** Notified after every apply (wakes reads waiting for a session position). */
  readonly applied = new Notifier();
  private progress: FollowerProgress = { leaderLsn: 0, highWatermark: 0, caughtUpAt: 0 };
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    readonly target: FollowTarget,
    private readonly nodeId: string,
    private readonly store: ShardStore,
    private readonly peer: PeerClient,
    private readonly settings: () => FollowerSettings,
    private readonly logger: Telemetry['logger'],
    private readonly now: () => number = Date.now,
    private readonly tracer?: Telemetry['tracer'],
  ) {}

  get state(): FollowerProgress {
    return this.progress;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        await this.step(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.logger.debug({ err, shard: this.target.shard, leader: this.target.leaderId }, 'replication fetch failed');
        await sleep(RETRY_MS, signal);
      }
    }
  }

  private async step(signal: AbortSignal): Promise<void> {
    const { shard, epoch, leaderAdminUrl } = this.target;
    const s = this.settings();
    const position = this.store.position();
    const fetchedAt = Date.now();
    const answer = await this.peer.fetch(
      leaderAdminUrl,
      shard,
      { node: this.nodeId, epoch, fromLsn: position.lsn + 1, lastEpoch: position.epoch, maxEntries: s.fetchMaxEntries, maxWaitMs: s.fetchMaxWaitMs },
      s.fetchMaxWaitMs + 5000,
      signal,
    );
    // The config moved on while the fetch was out: its answer belongs to a leader we no longer follow.
    if (signal.aborted) return;
    await this.handle(answer, signal, fetchedAt);
  }

  private async handle(answer: FetchResponse, signal: AbortSignal, fetchedAt: number): Promise<void> {
    switch (answer.kind) {
      case 'entries':
        if (answer.entries.length > 0) {
          await tracedApply(this.tracer, this.target, this.nodeId, fetchedAt, answer, () => this.store.appendReplicated(answer.entries));
        }
        break;
      case 'truncate':
        this.logger.info({ shard: this.target.shard, toLsn: answer.toLsn }, 'truncating a suffix the leader does not have');
        if (!(await this.store.truncateAfter(answer.toLsn))) await this.restoreSnapshot(signal);
        break;
      case 'snapshot':
        await this.restoreSnapshot(signal);
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

  private async restoreSnapshot(signal: AbortSignal): Promise<void> {
    const { shard, epoch, leaderAdminUrl } = this.target;
    const snapshot = await this.peer.snapshot(leaderAdminUrl, shard, epoch, 30000, signal);
    if (signal.aborted) return;
    await this.store.installSnapshot(snapshot);
    this.logger.info({ shard, position: snapshot.position, records: snapshot.records.length }, 'restored a snapshot');
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
