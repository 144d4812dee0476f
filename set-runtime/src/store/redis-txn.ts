import type { Redis } from '@setgate/redis-client';
import type { StoreClock } from './lmdb-shard.js';
import { type RedisKeys, stateField } from './redis-keys.js';
import type { LogEntry, StoredRecord, WriteOutcome, WriteRequest } from './types.js';
import { type IdempotencyRecord, planWrite, type ShardMeta } from './write-plan.js';

type Op = (m: ReturnType<Redis['multi']>) => void;

/**
 * The mutations of one Redis commit, collected first and sent as one
 * MULTI/EXEC. Reads a batch depends on are answered from what the batch
 * itself has written, then from the server.
 */
export class RedisTxn {
  private readonly ops: Op[] = [];
  /** Writes of this batch not yet on the server: field → record (null: deleted). */
  private readonly records = new Map<string, StoredRecord | null>();
  private readonly idems = new Map<string, IdempotencyRecord | null>();
  meta: ShardMeta = { lastLsn: 0, epochs: [], keys: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Decides every write of a group commit in order; each sees the earlier ones. */
  async planBatch(requests: readonly WriteRequest[], meta: ShardMeta, clock: StoreClock): Promise<WriteOutcome[]> {
    this.meta = meta;
    const fields = requests.map((r) => stateField(r.collection, r.key));
    const idemKeys = requests.map((r) => r.idempotencyKey).filter((k): k is string => k !== undefined);
    const pipe = this.redis.pipeline();
    if (fields.length > 0) pipe.hmget(this.keys.state, ...fields);
    if (idemKeys.length > 0) pipe.hmget(this.keys.idem, ...idemKeys);
    const results = (await pipe.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const stateRaw = (results[0]?.[1] ?? []) as Array<string | null>;
    const idemRaw = (idemKeys.length > 0 ? results[1]?.[1] : []) as Array<string | null>;
    const serverRecords = new Map(fields.map((f, i) => [f, stateRaw[i] ? (JSON.parse(stateRaw[i]) as StoredRecord) : undefined]));
    const serverIdems = new Map(idemKeys.map((k, i) => [k, idemRaw[i] ? (JSON.parse(idemRaw[i]) as IdempotencyRecord) : undefined]));

    return requests.map((request, i) => {
      const field = fields[i] as string;
      const current = this.records.has(field) ? (this.records.get(field) ?? undefined) : serverRecords.get(field);
      const k = request.idempotencyKey;
      const prior = k === undefined ? undefined : this.idems.has(k) ? (this.idems.get(k) ?? undefined) : serverIdems.get(k);
      const plan = planWrite({ request, meta: this.meta, current, prior, now: clock.now(), idempotencyWindowMs: clock.idempotencyWindowMs });
      if (plan.kind === 'answer') return plan.outcome;
      request.onAppend?.(plan.entry.lsn);
      this.append(plan.entry, plan.result.record);
      if (k) {
        this.putIdempotency(
          k,
          { collection: request.collection, key: request.key, fingerprint: request.fingerprint ?? null, result: plan.result, time: plan.entry.time },
        );
      }
      this.meta = plan.meta;
      return { kind: 'applied', result: plan.result, replayed: false };
    });
  }

  /** Log entry plus its effect on the state. */
  append(entry: LogEntry, record: StoredRecord | null): void {
    const json = JSON.stringify(entry);
    this.ops.push((m) => m.zadd(this.keys.log, entry.lsn, json));
    this.putRecordOrDelete(entry.collection, entry.key, record);
  }

  /** Removes an entry and restores the record it replaced. */
  undo(entry: LogEntry): void {
    this.ops.push((m) => m.zremrangebyscore(this.keys.log, entry.lsn, entry.lsn));
    this.putRecordOrDelete(entry.collection, entry.key, entry.prev);
  }

  putRecord(collection: string, key: string, record: StoredRecord): void {
    this.putRecordOrDelete(collection, key, record);
  }

  putIdempotency(key: string, record: IdempotencyRecord): void {
    this.idems.set(key, record);
    const json = JSON.stringify(record);
    // The expiry index is a zset member per idempotency key: ZADD moves an older time.
    this.ops.push((m) => m.hset(this.keys.idem, key, json).zadd(this.keys.idemTime, record.time, key));
  }

  removeIdempotency(key: string): void {
    this.idems.set(key, null);
    this.ops.push((m) => m.hdel(this.keys.idem, key).zrem(this.keys.idemTime, key));
  }

  /** Drops the shard's state, log and idempotency records (before a snapshot goes in). */
  wipe(): void {
    this.ops.push((m) => m.del(this.keys.state, this.keys.log, this.keys.idem, this.keys.idemTime));
  }

  trimBelow(lsn: number): void {
    this.ops.push((m) => m.zremrangebyscore(this.keys.log, '-inf', `(${lsn}`));
  }

  putMeta(shard: number, meta: ShardMeta): void {
    this.ops.push((m) => m.hset(this.keys.meta, String(shard), JSON.stringify(meta)));
  }

  async exec(): Promise<void> {
    const multi = this.redis.multi();
    for (const op of this.ops) op(multi);
    const results = await multi.exec();
    if (!results) throw new Error('redis: the transaction was aborted');
    for (const [err] of results) if (err) throw err;
  }

  private putRecordOrDelete(collection: string, key: string, record: StoredRecord | null): void {
    const field = stateField(collection, key);
    this.records.set(field, record);
    if (record) {
      const json = JSON.stringify(record);
      this.ops.push((m) => m.hset(this.keys.state, field, json));
    } else {
      this.ops.push((m) => m.hdel(this.keys.state, field));
    }
  }
}
