import type { LogPosition } from './position.js';

/**
 * The set-runtime node's internal HTTP contract: node ↔ node replication and
 * the control plane's leadership calls. Every path here is served on the
 * node's **admin** listener (`adminUrl`), never on the traffic listener, and
 * when the node runs with `SETGATE_INTERNAL_TOKEN` set, every request must
 * carry `authorization: Bearer <token>` (401 `SETGATE_NODE_UNAUTHORIZED` otherwise).
 */
export const InternalPath = {
  /** `POST` {@link FetchRequest} → {@link FetchResponse}: a follower pulls the log of one shard (long-poll). */
  fetch: '/internal/replication/:shard/fetch',
  /**
   * `POST` {@link FetchSessionRequest} → {@link FetchSessionResponse}: a follower pulls every shard it
   * follows from this leader in one long-poll. What followers use: one session per leader–follower
   * pair instead of one long-poll per shard, so an idle node is not woken twice a second per shard.
   */
  fetchSession: '/internal/replication/fetch',
  /** `GET ?epoch=E` → {@link ShardSnapshot}: the applied state of one shard, for a follower behind the log start. */
  snapshot: '/internal/replication/:shard/snapshot',
  /** `POST` {@link FenceRequest} → {@link FenceResponse}: stop accepting writes for the shard at epoch ≤ e. */
  fence: '/internal/shards/:shard/fence',
  /** `PUT` a whole topology document → {@link TopologyPutResponse}: swap config, renew the leader lease. */
  topology: '/internal/topology',
} as const;

/** Env var holding the shared secret of the internal endpoints; unset: no authentication (loopback dev). */
export const INTERNAL_TOKEN_ENV = 'SETGATE_INTERNAL_TOKEN';

/** One entry of a shard's log as replicated. `prev` is the record before the write: a follower needs it to undo a divergent suffix. */
export interface ReplicatedEntry {
  readonly epoch: number;
  readonly lsn: number;
  readonly op: 'put' | 'delete';
  readonly collection: string;
  readonly key: string;
  readonly value: unknown;
  readonly idempotencyKey: string | null;
  /** Identifies the request behind the idempotency key, so a retry at a new leader is recognised. */
  readonly fingerprint: string | null;
  /** Wall-clock ms when the write-point appended the entry. */
  readonly time: number;
  readonly prev: { readonly value: unknown; readonly version: number } | null;
}

/** One epoch of a shard's log: entries from `startLsn` on were written by the leader of `epoch`. */
export interface EpochStartWire {
  readonly epoch: number;
  readonly startLsn: number;
}

/**
 * Body of a fetch. Fetching from `fromLsn` tells the leader that the follower
 * holds everything before it **durably**: that is the acknowledgement sync
 * writes wait for.
 */
export interface FetchRequest {
  /** Follower node id (must hold a replica of the shard). */
  readonly node: string;
  /** The shard epoch in the follower's topology; older than the leader's → 409 with the current epoch. */
  readonly epoch: number;
  /** Next LSN the follower wants; it holds `1 … fromLsn-1`. */
  readonly fromLsn: number;
  /** Epoch of the follower's entry at `fromLsn-1` (0 for an empty log): how the leader finds a divergent suffix. */
  readonly lastEpoch: number;
  /** Entries at most (the leader caps it by `replication.fetchMaxEntries`). */
  readonly maxEntries?: number;
  /** Long-poll: how long the leader may hold the request when nothing is new (capped by `replication.fetchMaxWaitMs`). */
  readonly maxWaitMs?: number;
}

/** What the leader says about its log in every fetch answer. */
export interface LeaderMark {
  readonly epoch: number;
  /** The leader's last LSN. */
  readonly leaderLsn: number;
  /** Highest LSN held by `minInsync` followers satisfying the placement rule. */
  readonly highWatermark: number;
  /** First LSN still in the leader's log. */
  readonly logStart: number;
}

/**
 * Answer of a fetch:
 * - `entries`: the next entries in order (maybe none after the long-poll);
 * - `truncate`: the follower's log has a suffix the leader's epoch history does not contain; drop everything after `toLsn`, then fetch again;
 * - `snapshot`: `fromLsn` is before the leader's log start; install the snapshot, then fetch the tail.
 */
export type FetchResponse =
  | (LeaderMark & {
      readonly kind: 'entries';
      readonly entries: readonly ReplicatedEntry[];
      /** W3C `traceparent` of the sampled writes among `entries`, by LSN (absent when none was sampled): followers link their spans to them. */
      readonly traces?: Readonly<Record<string, string>>;
    })
  | (LeaderMark & { readonly kind: 'truncate'; readonly toLsn: number })
  | (LeaderMark & { readonly kind: 'snapshot' });

/** One shard's part of a {@link FetchSessionRequest}: the fields of a {@link FetchRequest} that are per shard. */
export interface FetchSessionShard {
  readonly shard: number;
  readonly epoch: number;
  readonly fromLsn: number;
  readonly lastEpoch: number;
}

/**
 * Body of a session fetch: a {@link FetchRequest} for many shards of one leader at once. Each shard's
 * `fromLsn` acknowledges what the follower durably holds, exactly as a one-shard fetch does; the leader
 * answers as soon as any shard has something to say, else after the long-poll bound.
 */
export interface FetchSessionRequest {
  readonly node: string;
  readonly shards: readonly FetchSessionShard[];
  /** Entries at most in the whole answer (the leader caps it by `replication.fetchMaxEntries`). */
  readonly maxEntries?: number;
  /** Long-poll bound (capped by `replication.fetchMaxWaitMs`, or the longer idle wait of set-runtime/src/replication/fetch-wait.ts). */
  readonly maxWaitMs?: number;
}

/** A shard the leader would not serve in this session (the status and problem a one-shard fetch would have answered). */
export interface FetchSessionRefusal {
  readonly shard: number;
  readonly kind: 'refused';
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
}

/** Answer of a session fetch: one answer per requested shard, in no particular order. */
export interface FetchSessionResponse {
  readonly answers: ReadonlyArray<(FetchResponse & { readonly shard: number }) | FetchSessionRefusal>;
}

/** The applied state of one shard at `position`, with what a follower needs to continue from there. */
export interface ShardSnapshot {
  readonly shard: number;
  readonly position: LogPosition;
  readonly epochs: readonly EpochStartWire[];
  readonly records: ReadonlyArray<{
    readonly collection: string;
    readonly key: string;
    readonly value: unknown;
    readonly version: number;
  }>;
  /** Unexpired idempotency records, so a retry after a failover is still answered from its first result. */
  readonly idempotency: ReadonlyArray<{ readonly idempotencyKey: string; readonly record: unknown }>;
}

/** Body of a fence: the control plane's first step of a planned switchover. */
export interface FenceRequest {
  /** Writes at this epoch or older are refused (503 `SETGATE_NODE_FENCED`) until a config names this node leader at a newer one. */
  readonly epoch: number;
}

/** Answer of a fence: where the shard's log stands, so the caller can wait for the new leader to reach it. */
export interface FenceResponse {
  readonly shard: number;
  readonly fencedEpoch: number;
  readonly position: LogPosition;
  readonly highWatermark: number;
}

/** Answer of `PUT /internal/topology`. A version older than the node's is refused with 409 `SETGATE_NODE_STALE_CONFIG`. */
export interface TopologyPutResponse {
  /** The version now in force. */
  readonly version: number;
  /** False when the same version was sent again (a lease renewal). */
  readonly swapped: boolean;
}

/** Where one follower stands, as the leader sees it. */
export interface FollowerPosition {
  readonly node: string;
  readonly region: string;
  /** LSN the follower durably holds (its last fetch position - 1). */
  readonly ackLsn: number;
  readonly lagEntries: number;
  /** ms since the oldest entry the follower does not hold was appended; 0 when caught up. */
  readonly lagMs: number;
  readonly inSync: boolean;
  /** ms since its last fetch. */
  readonly lastFetchAgoMs: number;
}

/** Replication facts of one shard in a node's `/status`. */
export interface ShardReplicationStatus {
  readonly shard: number;
  readonly role: 'leader' | 'follower';
  readonly epoch: number;
  readonly mode: 'sync' | 'async';
  /** Last LSN in the local log (= applied LSN: entries are appended and applied in one transaction). */
  readonly lsn: number;
  readonly appliedLsn: number;
  readonly logStart: number;
  readonly highWatermark: number;
  readonly keys: number;
  /** sha256 of the applied state (collection, key, version, value), so replicas can be compared. */
  readonly stateHash: string;
  /** Leader only: every follower of the shard. */
  readonly followers?: readonly FollowerPosition[];
  /** Follower only: entries behind the leader's last LSN, and ms since last known caught up. */
  readonly lagEntries?: number;
  readonly stalenessMs?: number;
  /** Epoch ≤ which writes are refused, when fenced. */
  readonly fencedEpoch?: number;
}
