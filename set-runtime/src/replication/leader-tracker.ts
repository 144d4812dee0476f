import type { FollowerPosition } from '@setgate/contracts';
import type { ShardStore } from '../store/types.js';
import { Notifier } from './notifier.js';
import { type QuorumRule, quorumLsn, satisfies } from './quorum.js';
import { WriteTraces } from './write-traces.js';

/** What the tracker needs from the current placement; read on every call, so a config swap applies at once. */
export interface LeaderSettings {
  readonly rule: QuorumRule;
  readonly mode: 'sync' | 'async';
  /** Nodes that hold a replica of the shard besides this one, with their regions. */
  readonly followers: ReadonlyArray<{ readonly id: string; readonly region: string }>;
  readonly insyncLagMs: number;
}

interface Follower {
  region: string;
  ackLsn: number;
  lastFetchAt: number;
  /** When it last held everything the leader had at its previous answer (Kafka's lastCaughtUpTime). */
  caughtUpAt: number;
  /** Leader's LSN and time of the last answer sent to it. */
  answeredLsn: number;
  answeredAt: number;
}

/**
 * The write-point's view of one shard's followers: each one's durable
 * position (from its fetches), the high watermark, and the waits of sync
 * writes and long-polls.
 */
export class LeaderTracker {
  /** Notified after every local append (wakes long-polling fetches). */
  readonly appended = new Notifier();
  /** Notified when a follower's position moves (wakes sync writes). */
  readonly progressed = new Notifier();
  private readonly followers = new Map<string, Follower>();
  /** Trace context of recent sampled writes, handed to followers with their entries. */
  readonly traces = new WriteTraces();

  constructor(
    readonly shard: number,
    private readonly store: ShardStore,
    private readonly settings: () => LeaderSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fetch from `fromLsn`: the follower durably holds everything before it. */
  recordFetch(node: string, region: string, fromLsn: number): void {
    const t = this.now();
    const f = this.followers.get(node) ?? { region, ackLsn: 0, lastFetchAt: t, caughtUpAt: 0, answeredLsn: 0, answeredAt: t };
    f.region = region;
    // A follower that truncated or restored a snapshot may go back; its new position is the truth.
    f.ackLsn = fromLsn - 1;
    f.lastFetchAt = t;
    if (f.ackLsn >= f.answeredLsn) f.caughtUpAt = f.answeredAt;
    if (f.ackLsn >= this.store.position().lsn) f.caughtUpAt = t;
    this.followers.set(node, f);
    this.progressed.notify();
  }

  /** The leader's LSN as it answers a fetch. */
  recordAnswer(node: string, leaderLsn: number): void {
    const f = this.followers.get(node);
    if (!f) return;
    f.answeredLsn = leaderLsn;
    f.answeredAt = this.now();
  }

  highWatermark(): number {
    const s = this.settings();
    return quorumLsn(this.store.position().lsn, this.holders(s, false), s.rule);
  }

  /** True when enough in-sync followers exist for a sync write to be acknowledged (always true for async). */
  canAcknowledge(): boolean {
    const s = this.settings();
    return s.mode === 'async' || satisfies(this.holders(s, true), s.rule);
  }

  /** Resolves true once the high watermark reaches `lsn` (immediately for async), false after `timeoutMs`. */
  awaitReplicated(lsn: number, timeoutMs: number): Promise<boolean> {
    if (this.settings().mode === 'async') return Promise.resolve(true);
    return this.progressed.until(() => this.highWatermark() >= lsn, timeoutMs, this.now);
  }

  /** Durable positions of the followers heard from, synchronously (for metrics). */
  ackPositions(): Array<{ node: string; ackLsn: number }> {
    return [...this.followers].map(([node, f]) => ({ node, ackLsn: f.ackLsn }));
  }

  /** Every follower of the placement, the ones never heard from included. */
  async positions(): Promise<FollowerPosition[]> {
    const s = this.settings();
    const leaderLsn = this.store.position().lsn;
    const t = this.now();
    return Promise.all(
      s.followers.map(async ({ id, region }) => {
        const f = this.followers.get(id);
        const ackLsn = f?.ackLsn ?? 0;
        const lagEntries = Math.max(0, leaderLsn - ackLsn);
        let lagMs = 0;
        if (lagEntries > 0) {
          // The age of the oldest entry the follower lacks; its own log start if that entry was trimmed.
          const [oldest] = await this.store.readLog(ackLsn + 1, 1);
          lagMs = oldest ? Math.max(0, t - oldest.time) : t - (f?.lastFetchAt ?? t);
        }
        return {
          node: id,
          region,
          ackLsn,
          lagEntries,
          lagMs,
          inSync: f !== undefined && this.isInSync(f, s, t),
          lastFetchAgoMs: f ? t - f.lastFetchAt : -1,
        };
      }),
    );
  }

  private isInSync(f: Follower, s: LeaderSettings, t: number): boolean {
    return t - f.lastFetchAt <= s.insyncLagMs && t - f.caughtUpAt <= s.insyncLagMs;
  }

  /** Followers still in the placement (a moved-away one no longer counts), optionally only the in-sync ones. */
  private holders(s: LeaderSettings, inSyncOnly: boolean) {
    const t = this.now();
    return s.followers.flatMap(({ id }) => {
      const f = this.followers.get(id);
      if (!f || (inSyncOnly && !this.isInSync(f, s, t))) return [];
      return [{ region: f.region, ackLsn: f.ackLsn }];
    });
  }
}
