/**
 * The recorded history a drill hands to the checker: every operation the load
 * made (invoke, outcome, what it wrote or read, who served it) and the final
 * state read from every replica directly. Plain data, so a run's JSON can be
 * checked again later.
 */

/** How an operation ended, as the client can know it. */
export type Outcome =
  /** 2xx: acknowledged (a write was applied; a read returned a value). */
  | 'ok'
  /** The system said the operation was certainly not applied (a refusal before it reached the write-point). */
  | 'fail'
  /** It may or may not have been applied: a timeout, a reset, a 5xx that does not promise "not applied". */
  | 'unknown';

/** The commands the drill load uses. */
export type OpKind = 'profile.put' | 'profile.get' | 'cart.add' | 'cart.get';

/** Where an answer came from, from its response headers. */
export interface ServedBy {
  readonly region?: string;
  readonly entryRegion?: string;
  readonly node?: string;
  readonly epoch?: number;
  readonly lsn?: number;
  /** Staleness the serving replica reported (reads from replicas). */
  readonly stalenessMs?: number;
  /** The answer says it came from the stale-fallback path (served without freshness conditions). */
  readonly staleFallback?: boolean;
}

/** One operation of the history. Times are ms since the run started. */
export interface Op {
  readonly id: number;
  readonly kind: OpKind;
  /** The shard key (the user's id: the shop commands are keyed by subject). */
  readonly key: string;
  readonly shard: number;
  /** The client session (one per user) whose session token the op carried or received. */
  readonly session: string;
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly outcome: Outcome;
  /** Final HTTP status; undefined for a network error or client timeout. */
  readonly status?: number;
  /** problem+json `code`, or a client-side code such as `CLIENT_TIMEOUT`. */
  readonly code?: string;
  /** Attempts made (> 1: retried with the same idempotency key after an unknown outcome). */
  readonly attempts: number;
  readonly idempotencyKey?: string;
  /** profile.put: the value written. profile.get: the value read, null when there was none (404). */
  readonly value?: string | null;
  /** cart.add: the SKU appended (quantity 1, unique per append). */
  readonly item?: string;
  /** cart.get: SKU → quantity as read. */
  readonly items?: Readonly<Record<string, number>>;
  /** Reads: the op carried the session's token. */
  readonly withSession?: boolean;
  /** Reads: the command's staleness bound in ms (0: served by the write-point). */
  readonly boundMs?: number;
  /** Reads: the command allows the stale-fallback path. */
  readonly staleFallbackAllowed?: boolean;
  readonly served?: ServedBy;
  /** The region whose regional proxy the op was last sent to (the user's home region unless that one was out of reach). */
  readonly via?: string;
}

/** One replica's view of one key at the end. */
export interface ReplicaValue {
  readonly node: string;
  /** The profile value held, null when none. */
  readonly profile: string | null;
  /** The cart held: SKU → quantity. */
  readonly cart: Readonly<Record<string, number>>;
}

/** One replica's summary of one shard at the end. */
export interface ReplicaShard {
  readonly node: string;
  readonly shard: number;
  readonly role: string;
  readonly epoch: number;
  readonly lsn: number;
  readonly stateHash: string;
}

/** What the replicas hold once the load stopped and replication converged. */
export interface FinalState {
  /** Per key: every replica of its shard (placement at the end). */
  readonly keys: Readonly<Record<string, { readonly shard: number; readonly replicas: readonly ReplicaValue[] }>>;
  /** Every replica of every shard the load touched. */
  readonly shards: readonly ReplicaShard[];
  /** Replicas that could not be read at the end (a check failure of its own: the state is unknown). */
  readonly unreadable: ReadonlyArray<{ readonly node: string; readonly what: string; readonly error: string }>;
}

export interface History {
  readonly ops: readonly Op[];
  readonly final: FinalState;
  /**
   * Async shards on which the system itself reported a possible loss (an
   * unclean promotion that named entries the new leader lacked). An
   * acknowledged write missing on one of them is the reported async loss
   * window, not a violation; on any other shard it is a lost write.
   */
  readonly reportedLossShards?: readonly number[];
}
