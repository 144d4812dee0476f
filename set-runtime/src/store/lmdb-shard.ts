import type { ShardSnapshot } from '@setgate/contracts';
import type { LmdbLayout } from './lmdb-layout.js';
import * as replica from './lmdb-replica.js';
import type {
  Durability,
  EpochStart,
  LogEntry,
  ShardPosition,
  ShardStore,
  StoredRecord,
  WriteOutcome,
  WriteRequest,
} from './types.js';
import { EMPTY_META, planWrite, positionOf, type ShardMeta } from './write-plan.js';

/** Clock, idempotency window and durability of a store; tests pass their own clock. */
export interface StoreClock {
  readonly now: () => number;
  readonly idempotencyWindowMs: number;
  readonly durability: Durability;
}

/** Expired idempotency keys removed per prune transaction, so one prune never holds the writer long. */
const PRUNE_BATCH = 5000;

/** One shard inside a node's LMDB environment. */
export class LmdbShardStore implements ShardStore {
  constructor(
    readonly shard: number,
    private readonly db: LmdbLayout,
    private readonly clock: StoreClock,
  ) {}

  async get(collection: string, key: string): Promise<StoredRecord | undefined> {
    return this.read(collection, key);
  }

  private read(collection: string, key: string): StoredRecord | undefined {
    return this.db.state.get([this.shard, collection, key]);
  }

  position(): ShardPosition {
    return positionOf(this.meta());
  }

  epochHistory(): readonly EpochStart[] {
    return this.meta().epochs;
  }

  keyCount(): number {
    return this.meta().keys;
  }

  logStart(): number {
    return this.meta().logStart ?? 1;
  }

  write(request: WriteRequest): Promise<WriteOutcome> {
    // fsync: a synchronous transaction is one synced commit of its own, and
    // blocks the event loop for its ~0.6 ms; that is the price being measured.
    if (this.clock.durability === 'fsync') {
      return Promise.resolve(this.db.root.transactionSync(() => this.applyInTransaction(request)));
    }
    // group: the async transaction joins whatever else is queued in this event turn,
    // so concurrent writes share one synced commit. transactionSync inside it
    // runs as a child transaction: if this write throws half-way, only its own
    // puts roll back, never the other writes of the batch.
    return this.db.root.transaction(() => this.db.root.transactionSync(() => this.applyInTransaction(request)));
  }

  async readLog(fromLsn: number, limit: number): Promise<LogEntry[]> {
    return replica.readLog(this.db, this.shard, fromLsn, limit);
  }

  appendReplicated(entries: readonly LogEntry[]): Promise<ShardPosition> {
    return this.db.root.transaction(() => replica.appendReplicated(this.db, this.shard, entries));
  }

  truncateAfter(lsn: number): Promise<boolean> {
    return this.db.root.transaction(() => replica.truncateAfter(this.db, this.shard, lsn));
  }

  async snapshot(): Promise<ShardSnapshot> {
    // A write transaction, so meta, state and idempotency records are read at one point.
    return this.db.root.transactionSync(() => replica.snapshot(this.db, this.shard));
  }

  installSnapshot(snapshot: ShardSnapshot): Promise<void> {
    return this.db.root.transaction(() => replica.installSnapshot(this.db, this.shard, snapshot));
  }

  trimLog(retain: number): Promise<number> {
    return this.db.root.transaction(() => replica.trimLog(this.db, this.shard, retain));
  }

  async stateHash(): Promise<string> {
    return replica.stateHash(this.db, this.shard);
  }

  async pruneIdempotency(): Promise<number> {
    const cutoff = this.clock.now() - this.clock.idempotencyWindowMs;
    return this.db.root.transaction(() => {
      // Collect first: removing entries while a cursor walks them is not safe.
      const expired = Array.from(
        this.db.idempotencyByTime.getKeys({ start: [this.shard, 0], end: [this.shard, cutoff], limit: PRUNE_BATCH }),
      );
      for (const [shard, time, idempotencyKey] of expired) {
        this.db.idempotencyByTime.removeSync([shard, time, idempotencyKey]);
        // A key reused after it expired has a newer record; that one stays.
        if (this.db.idempotency.get([shard, idempotencyKey])?.time === time) {
          this.db.idempotency.removeSync([shard, idempotencyKey]);
        }
      }
      return expired.length;
    });
  }

  private meta(): ShardMeta {
    return this.db.meta.get(this.shard) ?? EMPTY_META;
  }

  /** Runs inside the write transaction: every get sees the batch's earlier writes. */
  private applyInTransaction(request: WriteRequest): WriteOutcome {
    const { db, shard } = this;
    const idempotencyKey = request.idempotencyKey;
    const prior = idempotencyKey ? db.idempotency.get([shard, idempotencyKey]) : undefined;
    const plan = planWrite({
      request,
      meta: this.meta(),
      current: this.read(request.collection, request.key),
      prior,
      now: this.clock.now(),
      idempotencyWindowMs: this.clock.idempotencyWindowMs,
    });
    if (plan.kind === 'answer') return plan.outcome;

    const { entry, result } = plan;
    request.onAppend?.(entry.lsn);
    db.log.putSync([shard, entry.lsn], entry);
    if (result.record) db.state.putSync([shard, entry.collection, entry.key], result.record);
    else db.state.removeSync([shard, entry.collection, entry.key]);
    db.meta.putSync(shard, plan.meta);
    if (idempotencyKey) {
      if (prior) db.idempotencyByTime.removeSync([shard, prior.time, idempotencyKey]);
      db.idempotency.putSync([shard, idempotencyKey], {
        collection: entry.collection,
        key: entry.key,
        fingerprint: request.fingerprint ?? null,
        result,
        time: entry.time,
      });
      db.idempotencyByTime.putSync([shard, entry.time, idempotencyKey], true);
    }
    return { kind: 'applied', result, replayed: false };
  }
}
