/** The checks, each a class of anomaly a drill must never show. */
export const CHECKS = [
  /** An acknowledged write (or a later acknowledged one) is not what the replicas hold at the end. */
  'lost-write',
  /** A value read or held that was never written, or written only by a write reported as certainly not applied. */
  'phantom',
  /** An append retried with one idempotency key applied more than once. */
  'duplicate',
  /** A read staler than its command's bound (reported by the replica, or measured from the history). */
  'stale-read',
  /** A read with the session token returned less than that session's last acknowledged write. */
  'read-your-writes',
  /** A session's later read returned less than its earlier read. */
  'monotonic-read',
  /** Replicas of a shard hold different state (hashes, or values of a key), or a replica could not be read. */
  'divergence',
] as const;

export type CheckName = (typeof CHECKS)[number];

/** One finding, with the operations that show it. */
export interface Violation {
  readonly check: CheckName;
  readonly key?: string;
  readonly shard?: number;
  readonly detail: string;
  /** Ids of the ops involved. */
  readonly ops: readonly number[];
}

/** Something worth telling that is not a violation (e.g. a value from an outcome-unknown write that took effect late). */
export interface Note {
  readonly key?: string;
  readonly detail: string;
  readonly ops: readonly number[];
}
