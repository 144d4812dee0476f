import type { ReplicatedEntry, ShardSnapshot } from '@setgate/contracts';

/**
 * The storage contract of a set-runtime node, with LMDB and Redis behind it:
 * nothing above `store/` knows the engine. A shard is its log, its applied
 * state and its epoch history; the replication calls (read the log, append
 * replicated entries, truncate, snapshot) work on the same shapes as writes.
 */

/** Collection of the raw state API; command handlers keep their documents in their own collections. */
export const DEFAULT_COLLECTION = 'kv';

/** A stored value and its version. The version is the LSN of the write that produced it. */
export interface StoredRecord {
  readonly value: unknown;
  readonly version: number;
}

/** One epoch of a shard's log: entries from `startLsn` on were written by the leader of `epoch`. */
export interface EpochStart {
  readonly epoch: number;
  readonly startLsn: number;
}

/** Where a shard's log stands: the epoch of its newest history entry and the last applied LSN. */
export interface ShardPosition {
  readonly epoch: number;
  readonly lsn: number;
}

export type LogOp = ReplicatedEntry['op'];

/**
 * One mutation of a shard. Appended to the log and applied to the state in the
 * same transaction, so a replica that replays the log reaches the same state.
 * It is exactly what replication ships (the wire contract in contracts):
 * `value` is null for a delete, `fingerprint` lets a new leader recognise a
 * retried idempotent write, `prev` is what truncating the entry restores.
 */
export type LogEntry = ReplicatedEntry;

/** What a write did; kept under its idempotency key and returned again to a retry. */
export interface WriteResult {
  readonly epoch: number;
  readonly lsn: number;
  readonly op: LogOp;
  readonly collection: string;
  readonly key: string;
  /** The record after the write; null after a delete. */
  readonly record: StoredRecord | null;
  /** True when the key had no record before the write. */
  readonly created: boolean;
  readonly time: number;
}

/** The mutation a write decided on, given the current record. */
export type Mutation = { readonly op: 'put'; readonly value: unknown } | { readonly op: 'delete' };

/** A write that decided not to mutate; `reason` is the caller's own word (e.g. `not-found`). */
export interface Refusal {
  readonly refused: string;
  readonly detail?: string;
}

/** Conditions on the current record, checked inside the write's transaction. */
export type Precondition =
  | { readonly kind: 'version'; readonly version: number }
  /** If-None-Match: * — create only. */
  | { readonly kind: 'absent' }
  /** If-Match: * — the record must exist. */
  | { readonly kind: 'present' };

export interface WriteRequest {
  readonly collection: string;
  readonly key: string;
  /**
   * The epoch the write is made in (the write-point's current view). A write
   * older than the shard's newest epoch is fenced; a newer one opens a new
   * epoch in the history starting at this write's LSN.
   */
  readonly epoch: number;
  readonly precondition?: Precondition;
  /**
   * Decides the mutation from the current record. Runs inside the write's
   * transaction, so a read-modify-write is atomic. Must be synchronous and pure:
   * an engine that retries optimistically (Redis) may call it more than once.
   */
  readonly decide: (current: StoredRecord | undefined) => Mutation | Refusal;
  readonly idempotencyKey?: string;
  /** Identifies the request behind an idempotency key, so a key reused for another request is caught. */
  readonly fingerprint?: string;
  /**
   * Told the LSN the write's new entry takes, before any reader can see the
   * entry (inside the LMDB transaction; before the Redis EXEC). Not told for a
   * write that appends nothing (a replay, a refusal). A write whose commit then
   * fails was told too: what the hook records must stay harmless if the LSN
   * goes to another write.
   */
  readonly onAppend?: (lsn: number) => void;
}

export type WriteOutcome =
  | { readonly kind: 'applied'; readonly result: WriteResult; readonly replayed: boolean }
  | { readonly kind: 'precondition-failed'; readonly current: StoredRecord | undefined; readonly position: ShardPosition }
  | {
      readonly kind: 'refused';
      readonly reason: string;
      readonly detail?: string;
      readonly current: StoredRecord | undefined;
      readonly position: ShardPosition;
    }
  | { readonly kind: 'stale-epoch'; readonly position: ShardPosition }
  | { readonly kind: 'idempotency-conflict'; readonly position: ShardPosition };

/** How a write becomes durable: its own synced commit, or one synced commit shared by concurrent writes. */
export type Durability = 'fsync' | 'group';

/** One shard's log and applied state on this node. */
export interface ShardStore {
  readonly shard: number;
  /** The applied record of a key, from the local replica. */
  get(collection: string, key: string): Promise<StoredRecord | undefined>;
  /** Epoch of the last entry and the last LSN; known in memory, so synchronous. */
  position(): ShardPosition;
  epochHistory(): readonly EpochStart[];
  /** First LSN still in the log (entries before it were trimmed or came in a snapshot). */
  logStart(): number;
  /** Records in the applied state, all collections together. */
  keyCount(): number;
  /** Appends one entry and applies it atomically; resolves once the commit is durable. */
  write(request: WriteRequest): Promise<WriteOutcome>;
  /** Log entries with lsn ≥ fromLsn, oldest first, at most `limit` (the replication fetch). */
  readLog(fromLsn: number, limit: number): Promise<LogEntry[]>;
  /**
   * A follower's apply: appends and applies the entries that extend the log
   * (lsn = last + 1, epoch not older than the last), skips those it already
   * holds, stops at the first gap; durable when it resolves. Replay is safe.
   */
  appendReplicated(entries: readonly LogEntry[]): Promise<ShardPosition>;
  /**
   * Removes every entry after `lsn`, undoing each one's effect on the state,
   * and the epochs that started after it. False when the entries to undo are
   * no longer in the log (trimmed or snapshotted): the caller needs a snapshot.
   */
  truncateAfter(lsn: number): Promise<boolean>;
  /** The applied state and epoch history at the current position, read consistently. */
  snapshot(): Promise<ShardSnapshot>;
  /** Replaces the shard's log, state and idempotency records with a snapshot; the log restarts after it. */
  installSnapshot(snapshot: ShardSnapshot): Promise<void>;
  /** Keeps the last `retain` entries; returns how many went. */
  trimLog(retain: number): Promise<number>;
  /** sha256 over the applied state in key order; equal on replicas at the same position. */
  stateHash(): Promise<string>;
  /** Forgets idempotency keys older than the window; returns how many went. */
  pruneIdempotency(): Promise<number>;
}

/** All shards of one node, in one durable store. */
export interface NodeStore {
  /** Engine name as `/status` reports it. */
  readonly kind: string;
  shard(shard: number): ShardStore;
  close(): Promise<void>;
}
