import { mkdirSync } from 'node:fs';
import { type Database, open, type RootDatabase } from 'lmdb';
import type { LogEntry, StoredRecord } from './types.js';
import type { IdempotencyRecord, ShardMeta } from './write-plan.js';

/**
 * How a node's shards sit in its one LMDB environment.
 *
 * One named sub-database per kind of data (state, log, meta, idempotency),
 * shared by all shards, with the shard number as the first element of every
 * key — not one sub-database per shard. Why: the shards a node holds change
 * whenever placement moves one, while LMDB's sub-database count is fixed when
 * the environment opens and every write transaction pays for each open one.
 * Shard-prefixed keys keep each shard a contiguous key range, so a replication
 * fetch, a snapshot or dropping a moved-away shard is one range scan, and a
 * shard needs no setup before its first write.
 */
export interface LmdbLayout {
  readonly root: RootDatabase;
  /** [shard, collection, key] → applied record. */
  readonly state: Database<StoredRecord, StateKey>;
  /** [shard, lsn] → log entry. */
  readonly log: Database<LogEntry, LogKey>;
  /** shard → last LSN, epoch history, key count. */
  readonly meta: Database<ShardMeta, number>;
  /** [shard, idempotency key] → first result. */
  readonly idempotency: Database<IdempotencyRecord, IdempotencyKey>;
  /** [shard, time, idempotency key] → true: the expiry index, oldest first. */
  readonly idempotencyByTime: Database<true, IdempotencyTimeKey>;
}

export type StateKey = [shard: number, collection: string, key: string];
export type LogKey = [shard: number, lsn: number];
export type IdempotencyKey = [shard: number, idempotencyKey: string];
export type IdempotencyTimeKey = [shard: number, time: number, idempotencyKey: string];

/** Opens (creating if needed) the node's environment under `dir`. */
export function openLayout(dir: string): LmdbLayout {
  mkdirSync(dir, { recursive: true });
  const root = open({
    path: dir,
    // An acknowledged write must survive a crash. With overlappingSync the
    // commit promise resolves before the flush; without it, it resolves after
    // the synced commit. Group commit still batches concurrent writes.
    overlappingSync: false,
    maxDbs: 8,
  });
  return {
    root,
    state: root.openDB<StoredRecord, StateKey>({ name: 'state' }),
    log: root.openDB<LogEntry, LogKey>({ name: 'log' }),
    meta: root.openDB<ShardMeta, number>({ name: 'meta' }),
    idempotency: root.openDB<IdempotencyRecord, IdempotencyKey>({ name: 'idempotency' }),
    idempotencyByTime: root.openDB<true, IdempotencyTimeKey>({ name: 'idempotency-by-time' }),
  };
}
