import type { ShardSnapshot } from '@setgate/contracts';
import type { Redis } from '@setgate/redis-client';
import type { StoreClock } from './lmdb-shard.js';
import { RedisTxn } from './redis-txn.js';
import { hashState, idempotencyOf, metaAfterTruncate, canUndoTo, planReplicated, recordAfter } from './replica-plan.js';
import { type RedisKeys, splitField, stateField } from './redis-keys.js';
import type { EpochStart, LogEntry, ShardPosition, ShardStore, StoredRecord, WriteOutcome, WriteRequest } from './types.js';
import { type IdempotencyRecord, positionOf, type ShardMeta } from './write-plan.js';

interface PendingWrite {
  readonly request: WriteRequest;
  readonly resolve: (o: WriteOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * One shard in Redis. This process is the only writer of the shard's keys, so
 * mutations are serialized here (one at a time per shard) and each commits
 * as one MULTI/EXEC: all or nothing. Group commit: the writes queued while a
 * commit is in flight go out together in the next MULTI. Durability is the
 * server's (`appendonly yes` + `appendfsync always` for fsync per commit).
 */
export class RedisShardStore implements ShardStore {
  private pending: PendingWrite[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private flushQueued = false;

  constructor(
    readonly shard: number,
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private meta: ShardMeta,
    private readonly clock: StoreClock,
  ) {}

  async get(collection: string, key: string): Promise<StoredRecord | undefined> {
    const raw = await this.redis.hget(this.keys.state, stateField(collection, key));
    return raw === null ? undefined : (JSON.parse(raw) as StoredRecord);
  }

  position(): ShardPosition {
    return positionOf(this.meta);
  }

  epochHistory(): readonly EpochStart[] {
    return this.meta.epochs;
  }

  logStart(): number {
    return this.meta.logStart ?? 1;
  }

  keyCount(): number {
    return this.meta.keys;
  }

  write(request: WriteRequest): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        void this.exclusive(() => this.flush());
      }
    });
  }

  async readLog(fromLsn: number, limit: number): Promise<LogEntry[]> {
    const raw = await this.redis.zrangebyscore(this.keys.log, fromLsn, '+inf', 'LIMIT', 0, limit);
    return raw.map((r) => JSON.parse(r) as LogEntry);
  }

  appendReplicated(entries: readonly LogEntry[]): Promise<ShardPosition> {
    return this.exclusive(async () => {
      const txn = new RedisTxn(this.redis, this.keys);
      let m = this.meta;
      for (const entry of entries) {
        const step = planReplicated(m, entry);
        if (step.kind === 'skip') continue;
        if (step.kind === 'stop') break;
        txn.append(entry, recordAfter(entry));
        if (entry.idempotencyKey) txn.putIdempotency(entry.idempotencyKey, idempotencyOf(entry));
        m = step.meta;
      }
      await this.commit(txn, m);
      return positionOf(m);
    });
  }

  truncateAfter(lsn: number): Promise<boolean> {
    return this.exclusive(async () => {
      const m = this.meta;
      if (lsn >= m.lastLsn) return true;
      if (!canUndoTo(m, lsn)) return false;
      const undone = (await this.readLog(lsn + 1, Number.MAX_SAFE_INTEGER)).reverse();
      const txn = new RedisTxn(this.redis, this.keys);
      for (const e of undone) {
        txn.undo(e);
        if (e.idempotencyKey) {
          const raw = await this.redis.hget(this.keys.idem, e.idempotencyKey);
          const kept = raw ? (JSON.parse(raw) as IdempotencyRecord) : undefined;
          if (kept?.result.lsn === e.lsn) txn.removeIdempotency(e.idempotencyKey);
        }
      }
      await this.commit(txn, metaAfterTruncate(m, lsn, undone));
      return true;
    });
  }

  snapshot(): Promise<ShardSnapshot> {
    // Inside the shard's serial queue: no mutation of this shard runs between the reads.
    return this.exclusive(async () => {
      const [state, idem] = await Promise.all([this.redis.hgetall(this.keys.state), this.redis.hgetall(this.keys.idem)]);
      return {
        shard: this.shard,
        position: positionOf(this.meta),
        epochs: this.meta.epochs,
        records: Object.entries(state).map(([f, v]) => ({ ...splitField(f), ...(JSON.parse(v) as StoredRecord) })),
        idempotency: Object.entries(idem).map(([idempotencyKey, v]) => ({ idempotencyKey, record: JSON.parse(v) })),
      };
    });
  }

  installSnapshot(s: ShardSnapshot): Promise<void> {
    return this.exclusive(async () => {
      const txn = new RedisTxn(this.redis, this.keys);
      txn.wipe();
      for (const r of s.records) txn.putRecord(r.collection, r.key, { value: r.value, version: r.version });
      for (const i of s.idempotency) txn.putIdempotency(i.idempotencyKey, i.record as IdempotencyRecord);
      await this.commit(txn, {
        lastLsn: s.position.lsn,
        epochs: s.epochs.filter((e) => e.startLsn <= s.position.lsn),
        keys: s.records.length,
        logStart: s.position.lsn + 1,
      });
    });
  }

  trimLog(retain: number): Promise<number> {
    return this.exclusive(async () => {
      const from = this.meta.logStart ?? 1;
      const to = this.meta.lastLsn - retain + 1;
      if (to <= from) return 0;
      const txn = new RedisTxn(this.redis, this.keys);
      txn.trimBelow(to);
      await this.commit(txn, { ...this.meta, logStart: to });
      return to - from;
    });
  }

  async stateHash(): Promise<string> {
    const state = await this.redis.hgetall(this.keys.state);
    return hashState(Object.entries(state).map(([f, v]) => ({ ...splitField(f), ...(JSON.parse(v) as StoredRecord) })));
  }

  pruneIdempotency(): Promise<number> {
    return this.exclusive(async () => {
      const cutoff = this.clock.now() - this.clock.idempotencyWindowMs;
      const expired = await this.redis.zrangebyscore(this.keys.idemTime, 0, `(${cutoff}`, 'LIMIT', 0, 5000);
      if (expired.length === 0) return 0;
      const txn = new RedisTxn(this.redis, this.keys);
      for (const k of expired) txn.removeIdempotency(k);
      await txn.exec();
      return expired.length;
    });
  }

  /** Runs `fn` after every mutation queued before it: the shard's single writer. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async commit(txn: RedisTxn, meta: ShardMeta): Promise<void> {
    txn.putMeta(this.shard, meta);
    await txn.exec();
    this.meta = meta;
  }

  /** Plans the queued writes in order against what the batch itself wrote, then commits them in one MULTI. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.clock.durability === 'fsync' ? this.pending.splice(0, 1) : this.pending.splice(0);
    if (this.pending.length > 0) {
      this.flushQueued = true;
      void this.exclusive(() => this.flush());
    }
    if (batch.length === 0) return;
    try {
      const txn = new RedisTxn(this.redis, this.keys);
      const outcomes = await txn.planBatch(
        batch.map((p) => p.request),
        this.meta,
        this.clock,
      );
      await this.commit(txn, txn.meta);
      for (const [i, p] of batch.entries()) p.resolve(outcomes[i] as WriteOutcome);
    } catch (err) {
      // The EXEC may or may not have run: reload the bookkeeping before the next batch.
      await this.reloadMeta().catch(() => undefined);
      for (const p of batch) p.reject(err);
    }
  }

  private async reloadMeta(): Promise<void> {
    const raw = await this.redis.hget(this.keys.meta, String(this.shard));
    if (raw) this.meta = JSON.parse(raw) as ShardMeta;
  }
}
