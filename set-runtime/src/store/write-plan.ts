import type {
  EpochStart,
  LogEntry,
  ShardPosition,
  StoredRecord,
  WriteOutcome,
  WriteRequest,
  WriteResult,
} from './types.js';

/** How long a write's idempotency key is remembered by default: a day, the usual client retry horizon. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Per-shard bookkeeping kept beside the log, rewritten by every write. */
export interface ShardMeta {
  readonly lastLsn: number;
  readonly epochs: readonly EpochStart[];
  readonly keys: number;
  /** First LSN still in the log; absent in stores written before retention existed (then 1). */
  readonly logStart?: number;
}

export const EMPTY_META: ShardMeta = { lastLsn: 0, epochs: [], keys: 0, logStart: 1 };

/** The first result of a write, kept under its idempotency key. */
export interface IdempotencyRecord {
  readonly collection: string;
  readonly key: string;
  readonly fingerprint: string | null;
  readonly result: WriteResult;
  readonly time: number;
}

export function positionOf(meta: ShardMeta): ShardPosition {
  return { epoch: meta.epochs.at(-1)?.epoch ?? 0, lsn: meta.lastLsn };
}

/** What a transaction must do: answer without writing, or append this entry. */
export type WritePlan =
  | { readonly kind: 'answer'; readonly outcome: WriteOutcome }
  | {
      readonly kind: 'append';
      readonly entry: LogEntry;
      readonly result: WriteResult;
      readonly meta: ShardMeta;
    };

export interface PlanInput {
  readonly request: WriteRequest;
  readonly meta: ShardMeta;
  readonly current: StoredRecord | undefined;
  /** The record under the request's idempotency key, if any. */
  readonly prior: IdempotencyRecord | undefined;
  readonly now: number;
  readonly idempotencyWindowMs: number;
}

/**
 * Decides a write from what the transaction read. Engine-independent and
 * pure, so LMDB and Redis apply exactly the same rules: fencing, then
 * idempotent replay, then the precondition, then the caller's decision.
 */
export function planWrite(input: PlanInput): WritePlan {
  const { request, meta, current, prior, now } = input;
  const position = positionOf(meta);
  const answer = (outcome: WriteOutcome): WritePlan => ({ kind: 'answer', outcome });

  if (request.epoch < position.epoch) return answer({ kind: 'stale-epoch', position });

  if (request.idempotencyKey && prior && now - prior.time < input.idempotencyWindowMs) {
    const same =
      prior.collection === request.collection &&
      prior.key === request.key &&
      prior.fingerprint === (request.fingerprint ?? null);
    return answer(
      same ? { kind: 'applied', result: prior.result, replayed: true } : { kind: 'idempotency-conflict', position },
    );
  }

  if (!preconditionHolds(request, current)) return answer({ kind: 'precondition-failed', current, position });

  const decision = request.decide(current);
  if ('refused' in decision) {
    return answer({ kind: 'refused', reason: decision.refused, detail: decision.detail, current, position });
  }
  // A delete of nothing would put an entry in the log that changes no state.
  if (decision.op === 'delete' && !current) return answer({ kind: 'refused', reason: 'not-found', current, position });

  const lsn = meta.lastLsn + 1;
  const epochs =
    request.epoch > position.epoch ? [...meta.epochs, { epoch: request.epoch, startLsn: lsn }] : meta.epochs;
  const value = decision.op === 'put' ? decision.value : null;
  const entry: LogEntry = {
    epoch: request.epoch,
    lsn,
    op: decision.op,
    collection: request.collection,
    key: request.key,
    value,
    idempotencyKey: request.idempotencyKey ?? null,
    fingerprint: request.idempotencyKey ? (request.fingerprint ?? null) : null,
    time: now,
    prev: current ?? null,
  };
  const record = decision.op === 'put' ? { value, version: lsn } : null;
  const keyDelta = (record ? 1 : 0) - (current ? 1 : 0);
  const result: WriteResult = {
    epoch: request.epoch,
    lsn,
    op: decision.op,
    collection: request.collection,
    key: request.key,
    record,
    created: !current,
    time: now,
  };
  return { kind: 'append', entry, result, meta: { ...meta, lastLsn: lsn, epochs, keys: meta.keys + keyDelta } };
}

function preconditionHolds(request: WriteRequest, current: StoredRecord | undefined): boolean {
  const p = request.precondition;
  if (!p) return true;
  switch (p.kind) {
    case 'version':
      return current?.version === p.version;
    case 'absent':
      return current === undefined;
    case 'present':
      return current !== undefined;
  }
}
