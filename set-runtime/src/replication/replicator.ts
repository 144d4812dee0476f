import type { ShardReplicationStatus } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import { NodeErrors } from '../errors.js';
import type { Ownership } from '../ownership.js';
import type { NodeStore } from '../store/types.js';
import { LeaderTracker, type LeaderSettings } from './leader-tracker.js';
import { Lease } from './lease.js';
import type { Notifier } from './notifier.js';
import type { PeerClient } from './peer-client.js';
import { FetchSession } from './fetch-session.js';
import { idleFetchWaitMs } from './fetch-wait.js';
import { type FollowTarget, ShardFollower } from './shard-follower.js';

export interface ReplicatorOptions {
  readonly ownership: Ownership;
  readonly store: NodeStore;
  readonly peer: PeerClient;
  readonly logger: Telemetry['logger'];
  /** Follower fetch and apply spans, linked to the sampled writes they carry. Omitted: none. */
  readonly tracer?: Telemetry['tracer'];
  readonly now?: () => number;
  /** Monotonic clock of the leader lease (performance.now by default). */
  readonly leaseClock?: () => number;
  /** See Lease: false for a real node, which earns its first lease from the control plane. */
  readonly leaseGrantedAtStart?: boolean;
}

/** How fresh this replica of a shard is: what every read reports. */
export interface Freshness {
  readonly stalenessMs: number;
  readonly lagEntries: number;
}

/**
 * A node's replication, shard by shard: a tracker of followers for every
 * shard it leads, a follower for every shard it follows (pulled in one fetch
 * session per leader), the fences the control plane set, and the leader
 * lease. `reconcile()` after each config swap starts and stops followers so
 * they match the placement.
 */
export class Replicator {
  readonly lease: Lease;
  private readonly leaders = new Map<number, LeaderTracker>();
  private readonly followers = new Map<number, ShardFollower>();
  /** One per leader followed, by leader id and admin URL; kept when empty (an idle session only waits). */
  private readonly sessions = new Map<string, FetchSession>();
  private readonly fences = new Map<number, number>();
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: ReplicatorOptions) {
    this.now = opts.now ?? Date.now;
    this.lease = new Lease(
      // The margin is capped at a tenth of the lease so a short test lease stays usable.
      () => ({ leaseMs: this.settings.leaseMs, marginMs: Math.min(this.settings.leaseMarginMs ?? 100, Math.floor(this.settings.leaseMs / 10)) }),
      opts.leaseClock,
      opts.leaseGrantedAtStart ?? true,
    );
  }

  get ownership(): Ownership {
    return this.opts.ownership;
  }

  get store(): NodeStore {
    return this.opts.store;
  }

  /** The topology's `replication` section in force. */
  get settings() {
    return this.opts.ownership.view.doc.replication;
  }

  /** Starts and stops followers and trackers to match the placement in force. */
  async reconcile(): Promise<void> {
    if (this.closed) return;
    const { ownership } = this.opts;
    const view = ownership.view;
    const held = new Set(ownership.heldShards(view));
    for (const [shard, tracker] of this.leaders) {
      if (!held.has(shard) || !ownership.isWritePoint(shard, view)) {
        this.leaders.delete(shard);
        tracker.progressed.notify();
      }
    }
    const stopping: Promise<void>[] = [];
    for (const [shard, follower] of this.followers) {
      const want = held.has(shard) && !ownership.isWritePoint(shard, view) ? this.targetOf(shard) : undefined;
      if (!want || want.leaderId !== follower.target.leaderId || want.epoch !== follower.target.epoch) {
        this.followers.delete(shard);
        stopping.push(this.sessionOf(follower.target).remove(follower));
      }
    }
    for (const shard of held) {
      if (ownership.isWritePoint(shard, view)) {
        this.leader(shard);
        const fenced = this.fences.get(shard);
        if (fenced !== undefined && fenced < view.placement(shard).epoch) this.fences.delete(shard);
      } else if (!this.followers.has(shard)) {
        const target = this.targetOf(shard);
        const follower = new ShardFollower(target, ownership.nodeId, this.opts.store.shard(shard), this.opts.peer, this.opts.logger, this.now, this.opts.tracer);
        this.followers.set(shard, follower);
        this.sessionOf(target).add(follower);
      }
    }
    await Promise.all(stopping);
  }

  /** The follower tracker of a shard this node leads now; undefined otherwise. */
  leader(shard: number): LeaderTracker | undefined {
    const { ownership } = this.opts;
    if (!ownership.holds(shard) || !ownership.isWritePoint(shard)) return undefined;
    let t = this.leaders.get(shard);
    if (!t) {
      t = new LeaderTracker(shard, this.opts.store.shard(shard), () => this.leaderSettings(shard), this.now);
      this.leaders.set(shard, t);
    }
    return t;
  }

  /**
   * Admits a write at `epoch` on a shard this node leads, or refuses it with a
   * 503 (nothing written): lease expired, fenced, or — sync shards — fewer
   * in-sync replicas than the placement rule needs. Never a silent downgrade to async.
   */
  admitWrite(shard: number, epoch: number): LeaderTracker {
    const tracker = this.leader(shard);
    const retry = { 'retry-after': '1' };
    if (!tracker) {
      throw NodeErrors.create('SETGATE_NODE_NOT_WRITE_POINT', { detail: `not the write-point of shard ${shard}`, extensions: { shard } });
    }
    if (!this.lease.valid()) {
      const age = this.lease.age();
      throw NodeErrors.create('SETGATE_NODE_LEASE_EXPIRED', {
        detail: `${age < 0 ? 'no lease yet' : `lease renewed from a request sent ${age} ms ago`} (lease ${this.settings.leaseMs} ms): nothing was written`,
        extensions: { shard },
        headers: retry,
      });
    }
    const fenced = this.fences.get(shard);
    if (fenced !== undefined && fenced >= epoch) {
      throw NodeErrors.create('SETGATE_NODE_FENCED', {
        detail: `shard ${shard} is fenced at epoch ${fenced} on this node`,
        extensions: { shard, epoch: fenced },
        headers: retry,
      });
    }
    if (!tracker.canAcknowledge()) {
      const p = this.opts.ownership.view.placement(shard);
      throw NodeErrors.create('SETGATE_NODE_NOT_ENOUGH_REPLICAS', {
        detail: `shard ${shard} needs ${p.minInsync} in-sync replica(s) (${p.insyncRule}); fewer are in sync`,
        extensions: { shard, minInsync: p.minInsync, insyncRule: p.insyncRule },
        headers: retry,
      });
    }
    return tracker;
  }

  /**
   * admitWrite, except that a sync shard short of in-sync replicas first waits
   * up to `waitMs` for them. Why: a write-point just promoted has heard from no
   * follower yet; its followers find it within about a round trip of the new
   * version, and refusing every write until then turned a failover's last few
   * hundred ms into client-visible 503s. Nothing is written while it waits; a
   * shard still short after it is refused with the same 503.
   */
  async admitWriteWaiting(shard: number, epoch: number, waitMs: number): Promise<LeaderTracker> {
    try {
      return this.admitWrite(shard, epoch);
    } catch (err) {
      const tracker = this.leader(shard);
      if ((err as { code?: string }).code !== 'SETGATE_NODE_NOT_ENOUGH_REPLICAS' || !tracker || waitMs <= 0) throw err;
      await tracker.progressed.until(() => tracker.canAcknowledge(), waitMs, this.now);
      // The write was routed at `epoch`; a config swapped in while it waited must not see it appended at the old one.
      const placed = this.opts.ownership.view.placement(shard).epoch;
      if (placed !== epoch) {
        throw NodeErrors.create('SETGATE_NODE_STALE_EPOCH', {
          detail: `shard ${shard} moved to epoch ${placed} while the write waited for in-sync replicas; nothing was written`,
          extensions: { shard, epoch: placed },
        });
      }
      return this.admitWrite(shard, epoch);
    }
  }

  /**
   * The last check before a write is acknowledged: the lease must still hold
   * NOW, not only when the write was admitted. A write admitted just before
   * expiry whose replicas confirm it after (up to ackTimeoutMs later), or whose
   * process was frozen between admission and answer, is therefore never
   * acknowledged after expiry, and the control plane, which promotes only
   * after expiry + drift, never has to add ackTimeoutMs. The write is in the
   * log (and may be on replicas), so its outcome is unknown: the caller
   * retries with its idempotency key.
   */
  confirmLeaseForAck(shard: number, lsn: number): void {
    if (this.lease.valid()) return;
    throw NodeErrors.create('SETGATE_NODE_LEASE_LOST_UNCONFIRMED', {
      detail: `shard ${shard}: the lease ran out before lsn ${lsn} could be acknowledged; the outcome is unknown, retry with the same idempotency key`,
      extensions: { shard, lsn },
      headers: { 'retry-after': '1' },
    });
  }

  /** Writes at `epoch` or older are refused on this shard until a newer config makes this node leader. */
  fence(shard: number, epoch: number): void {
    this.fences.set(shard, Math.max(epoch, this.fences.get(shard) ?? 0));
  }

  fencedEpoch(shard: number): number | undefined {
    return this.fences.get(shard);
  }

  /** Wakes on new local entries (leader) or applied ones (follower): what a read waiting for a position listens to. */
  progressOf(shard: number): Notifier | undefined {
    return this.followers.get(shard)?.applied ?? this.leaders.get(shard)?.appended;
  }

  freshness(shard: number): Freshness {
    const follower = this.followers.get(shard);
    if (!follower) return { stalenessMs: 0, lagEntries: 0 };
    const { leaderLsn, caughtUpAt } = follower.state;
    const lsn = this.opts.store.shard(shard).position().lsn;
    // Never caught up since start: as stale as the node is old, which no bound accepts.
    return { stalenessMs: caughtUpAt === 0 ? Number.MAX_SAFE_INTEGER : this.now() - caughtUpAt, lagEntries: Math.max(0, leaderLsn - lsn) };
  }

  /** Replication facts of every shard held, for `/status`. */
  async status(): Promise<ShardReplicationStatus[]> {
    const { ownership, store } = this.opts;
    const view = ownership.view;
    return Promise.all(
      ownership.heldShards(view).map(async (shard) => {
        const s = store.shard(shard);
        const position = s.position();
        const placement = view.placement(shard);
        const tracker = this.leader(shard);
        const follower = this.followers.get(shard);
        const fenced = this.fences.get(shard);
        const base = {
          shard,
          role: tracker ? ('leader' as const) : ('follower' as const),
          epoch: Math.max(placement.epoch, position.epoch),
          mode: placement.mode,
          lsn: position.lsn,
          appliedLsn: position.lsn,
          logStart: s.logStart(),
          keys: s.keyCount(),
          stateHash: await s.stateHash(),
          ...(fenced === undefined ? {} : { fencedEpoch: fenced }),
        };
        if (tracker) return { ...base, highWatermark: tracker.highWatermark(), followers: await tracker.positions() };
        const fresh = this.freshness(shard);
        return { ...base, highWatermark: follower?.state.highWatermark ?? 0, ...fresh };
      }),
    );
  }

  /**
   * Trims every held shard's log to the configured retention. A shard within
   * it is skipped before any write transaction opens: each one is a synced
   * commit, and running one per shard per second kept idle nodes busy.
   */
  async trimLogs(): Promise<void> {
    const retain = this.settings.logRetentionEntries;
    for (const shard of this.opts.ownership.heldShards()) {
      const store = this.opts.store.shard(shard);
      if (store.position().lsn - retain + 1 > store.logStart()) await store.trimLog(retain);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const followers = [...this.followers.values()];
    this.followers.clear();
    await Promise.all([...followers.map((f) => f.stop()), ...[...this.sessions.values()].map((s) => s.stop())]);
    await this.opts.peer.close();
  }

  private sessionOf(target: FollowTarget): FetchSession {
    const key = `${target.leaderId} ${target.leaderAdminUrl}`;
    let session = this.sessions.get(key);
    if (!session) {
      const settings = () => ({ ...this.settings, fetchIdleWaitMs: idleFetchWaitMs(this.opts.ownership.view.doc) });
      session = new FetchSession(target.leaderId, target.leaderAdminUrl, this.opts.ownership.nodeId, this.opts.peer, settings, this.opts.logger);
      this.sessions.set(key, session);
    }
    return session;
  }

  private targetOf(shard: number): FollowTarget {
    const view = this.opts.ownership.view;
    const leader = view.writePoint(shard);
    return { shard, leaderId: leader.id, leaderAdminUrl: leader.adminUrl, epoch: view.placement(shard).epoch };
  }

  private leaderSettings(shard: number): LeaderSettings {
    const { ownership } = this.opts;
    const view = ownership.view;
    const p = view.placement(shard);
    const self = ownership.self;
    return {
      mode: p.mode,
      rule: { minInsync: p.minInsync, rule: p.insyncRule, leaderRegion: self.region },
      followers: view.replicaNodes(shard).filter((n) => n.id !== self.id).map((n) => ({ id: n.id, region: n.region })),
      insyncLagMs: this.settings.insyncLagMs,
    };
  }
}
