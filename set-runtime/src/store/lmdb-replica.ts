import type { ShardSnapshot } from '@setgate/contracts';
import type { LmdbLayout } from './lmdb-layout.js';
import {
  canUndoTo,
  hashState,
  idempotencyOf,
  metaAfterTruncate,
  type PlacedRecord,
  planReplicated,
  recordAfter,
} from './replica-plan.js';
import type { LogEntry, ShardPosition } from './types.js';
import { EMPTY_META, type IdempotencyRecord, positionOf, type ShardMeta } from './write-plan.js';

/**
 * The follower side of an LMDB shard: apply, undo, snapshot and trim. Every
 * function that writes runs inside a write transaction its caller opened.
 */

const meta = (db: LmdbLayout, shard: number): ShardMeta => db.meta.get(shard) ?? EMPTY_META;
const MAX = Number.MAX_SAFE_INTEGER;

export function readLog(db: LmdbLayout, shard: number, fromLsn: number, limit: number): LogEntry[] {
  const range = db.log.getRange({ start: [shard, fromLsn], end: [shard, MAX], limit });
  return Array.from(range, ({ value }) => value);
}

export function appendReplicated(db: LmdbLayout, shard: number, entries: readonly LogEntry[]): ShardPosition {
  let m = meta(db, shard);
  for (const entry of entries) {
    const step = planReplicated(m, entry);
    if (step.kind === 'skip') continue;
    if (step.kind === 'stop') break;
    db.log.putSync([shard, entry.lsn], entry);
    const record = recordAfter(entry);
    if (record) db.state.putSync([shard, entry.collection, entry.key], record);
    else db.state.removeSync([shard, entry.collection, entry.key]);
    if (entry.idempotencyKey) putIdempotency(db, shard, entry.idempotencyKey, idempotencyOf(entry));
    m = step.meta;
  }
  db.meta.putSync(shard, m);
  return positionOf(m);
}

export function truncateAfter(db: LmdbLayout, shard: number, lsn: number): boolean {
  const m = meta(db, shard);
  if (lsn >= m.lastLsn) return true;
  if (!canUndoTo(m, lsn)) return false;
  const undone = readLog(db, shard, lsn + 1, MAX).reverse();
  for (const e of undone) {
    if (e.prev) db.state.putSync([shard, e.collection, e.key], e.prev);
    else db.state.removeSync([shard, e.collection, e.key]);
    db.log.removeSync([shard, e.lsn]);
    if (e.idempotencyKey) {
      const kept = db.idempotency.get([shard, e.idempotencyKey]);
      if (kept?.result.lsn === e.lsn) {
        db.idempotency.removeSync([shard, e.idempotencyKey]);
        db.idempotencyByTime.removeSync([shard, kept.time, e.idempotencyKey]);
      }
    }
  }
  db.meta.putSync(shard, metaAfterTruncate(m, lsn, undone));
  return true;
}

function stateRecords(db: LmdbLayout, shard: number): PlacedRecord[] {
  return Array.from(db.state.getRange({ start: [shard], end: [shard + 1] }), ({ key, value }) => ({
    collection: key[1],
    key: key[2],
    value: value.value,
    version: value.version,
  }));
}

export function snapshot(db: LmdbLayout, shard: number): ShardSnapshot {
  const m = meta(db, shard);
  const idempotency = Array.from(db.idempotency.getRange({ start: [shard], end: [shard + 1] }), ({ key, value }) => ({
    idempotencyKey: key[1],
    record: value,
  }));
  return { shard, position: positionOf(m), epochs: m.epochs, records: stateRecords(db, shard), idempotency };
}

export function installSnapshot(db: LmdbLayout, shard: number, s: ShardSnapshot): void {
  const range = { start: [shard], end: [shard + 1] } as never;
  for (const sub of [db.state, db.log, db.idempotency, db.idempotencyByTime] as const) {
    // Collect first: removing entries while a cursor walks them is not safe.
    const keys = Array.from((sub as typeof db.state).getKeys(range));
    for (const k of keys) (sub as typeof db.state).removeSync(k);
  }
  for (const r of s.records) db.state.putSync([shard, r.collection, r.key], { value: r.value, version: r.version });
  for (const i of s.idempotency) putIdempotency(db, shard, i.idempotencyKey, i.record as IdempotencyRecord);
  db.meta.putSync(shard, {
    lastLsn: s.position.lsn,
    epochs: s.epochs.filter((e) => e.startLsn <= s.position.lsn),
    keys: s.records.length,
    logStart: s.position.lsn + 1,
  });
}

export function trimLog(db: LmdbLayout, shard: number, retain: number): number {
  const m = meta(db, shard);
  const from = m.logStart ?? 1;
  const to = m.lastLsn - retain + 1;
  if (to <= from) return 0;
  const keys = Array.from(db.log.getKeys({ start: [shard, from], end: [shard, to] }));
  for (const k of keys) db.log.removeSync(k);
  db.meta.putSync(shard, { ...m, logStart: to });
  return keys.length;
}

export function stateHash(db: LmdbLayout, shard: number): string {
  return hashState(stateRecords(db, shard));
}

function putIdempotency(db: LmdbLayout, shard: number, idempotencyKey: string, record: IdempotencyRecord): void {
  const prior = db.idempotency.get([shard, idempotencyKey]);
  if (prior) db.idempotencyByTime.removeSync([shard, prior.time, idempotencyKey]);
  db.idempotency.putSync([shard, idempotencyKey], record);
  db.idempotencyByTime.putSync([shard, record.time, idempotencyKey], true);
}
