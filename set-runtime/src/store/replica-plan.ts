import { createHash } from 'node:crypto';
import type { LogEntry, StoredRecord, WriteResult } from './types.js';
import { type IdempotencyRecord, positionOf, type ShardMeta } from './write-plan.js';

/**
 * Engine-independent rules of the follower side, so LMDB and Redis apply,
 * undo and hash a shard exactly alike.
 */

/** What one replicated entry does to a shard whose bookkeeping is `meta`. */
export type ReplicaStep =
  /** Already held (replay after a lost answer): nothing to do. */
  | { readonly kind: 'skip' }
  /** Does not extend the log (a gap, or an epoch older than the last): stop applying the batch. */
  | { readonly kind: 'stop' }
  | { readonly kind: 'apply'; readonly meta: ShardMeta };

export function planReplicated(meta: ShardMeta, entry: LogEntry): ReplicaStep {
  if (entry.lsn <= meta.lastLsn) return { kind: 'skip' };
  if (entry.lsn !== meta.lastLsn + 1) return { kind: 'stop' };
  const last = positionOf(meta).epoch;
  // Fencing on the follower too: a late answer from a deposed leader must not extend a newer epoch.
  if (entry.epoch < last) return { kind: 'stop' };
  const epochs = entry.epoch > last ? [...meta.epochs, { epoch: entry.epoch, startLsn: entry.lsn }] : meta.epochs;
  const keyDelta = (entry.op === 'put' ? 1 : 0) - (entry.prev ? 1 : 0);
  return { kind: 'apply', meta: { ...meta, lastLsn: entry.lsn, epochs, keys: meta.keys + keyDelta } };
}

/** The record an entry leaves behind; null after a delete. */
export function recordAfter(entry: LogEntry): StoredRecord | null {
  return entry.op === 'put' ? { value: entry.value, version: entry.lsn } : null;
}

/** The idempotency record a replica keeps for an entry, equal to the one the leader kept. */
export function idempotencyOf(entry: LogEntry): IdempotencyRecord {
  const result: WriteResult = {
    epoch: entry.epoch,
    lsn: entry.lsn,
    op: entry.op,
    collection: entry.collection,
    key: entry.key,
    record: recordAfter(entry),
    created: entry.prev === null,
    time: entry.time,
  };
  return { collection: entry.collection, key: entry.key, fingerprint: entry.fingerprint, result, time: entry.time };
}

/** Bookkeeping after undoing `undone` (newest first) down to `lsn`. */
export function metaAfterTruncate(meta: ShardMeta, lsn: number, undone: readonly LogEntry[]): ShardMeta {
  let keys = meta.keys;
  for (const e of undone) keys -= (e.op === 'put' ? 1 : 0) - (e.prev ? 1 : 0);
  return { ...meta, lastLsn: lsn, epochs: meta.epochs.filter((e) => e.startLsn <= lsn), keys };
}

/** True when the entries after `lsn` are all still in the log, so they can be undone one by one. */
export function canUndoTo(meta: ShardMeta, lsn: number): boolean {
  return lsn >= (meta.logStart ?? 1) - 1;
}

/** A state record with its place, as hashed and snapshotted. */
export interface PlacedRecord {
  readonly collection: string;
  readonly key: string;
  readonly value: unknown;
  readonly version: number;
}

/** sha256 over records sorted by (collection, key): the same state hashes the same on every engine. */
export function hashState(records: PlacedRecord[]): string {
  const hash = createHash('sha256');
  records.sort((a, b) => cmp(a.collection, b.collection) || cmp(a.key, b.key));
  for (const r of records) hash.update(JSON.stringify([r.collection, r.key, r.version, r.value])).update('\n');
  return hash.digest('hex');
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
