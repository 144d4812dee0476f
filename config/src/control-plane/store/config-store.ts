import type { AdminRoleName, Change, Topology } from '@setgate/config';
import type { LogPosition } from '@setgate/contracts';

/** What made a version: the ops action behind it, for the audit trail. */
export type ChangeAction =
  | { readonly kind: 'bootstrap'; readonly source: string }
  | { readonly kind: 'apply' }
  | { readonly kind: 'rollback'; readonly to: number }
  | { readonly kind: 'shard-move'; readonly shards: readonly number[]; readonly to: string }
  | { readonly kind: 'drain' | 'undrain'; readonly target: 'region' | 'set'; readonly name: string }
  | { readonly kind: 'failover-pause' | 'failover-resume' }
  /** Published by the failover controller: the leadership of `shards` left the down write-point(s) `nodes`. */
  | { readonly kind: 'failover'; readonly nodes: readonly string[]; readonly shards: readonly number[] };

/**
 * One shard whose write-point a version changed, as the audit keeps it: how
 * the old leader was stopped, where each side stood, and whether anything
 * acknowledged may have been lost.
 */
export interface LeaderChangeAudit {
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  /** The epoch the new leader starts. */
  readonly epoch: number;
  readonly mode: 'sync' | 'async';
  /** fenced: the old leader was fenced by this change; unreachable: it was down (failover: its lease ran out). */
  readonly oldLeader: 'fenced' | 'unreachable';
  /** The old leader's last acknowledged position as known: where the fence stopped it, or its last report. */
  readonly oldLeaderAt?: LogPosition;
  /** Where the new leader's log ended when it was promoted. */
  readonly newLeaderAt?: LogPosition;
  /** True when the new leader provably holds every acknowledged write. */
  readonly clean: boolean;
  /** Set when an operator forced an unclean change. */
  readonly forced?: boolean;
  /** Acknowledged entries the new leader may lack (old leader's position minus the new one's); absent when unknown. */
  readonly mayBeLost?: number;
  /** Why it is unclean (a stable code), and in words. */
  readonly code?: string;
  readonly note?: string;
}

/** Who made a version: an admin API role, or the control plane itself. */
export type AuditRole = AdminRoleName | 'system';

/** One numbered version with its audit facts: who, what, when, why. */
export interface VersionRecord {
  readonly version: number;
  /** Name of the token that made the change. */
  readonly author: string;
  /** The role that token had (`system`: the bootstrap and the failover controller); absent in versions stored before roles were audited. */
  readonly role?: AuditRole;
  readonly reason: string;
  /** ISO-8601 time the version was stored. */
  readonly time: string;
  readonly action: ChangeAction;
  /** Difference from the previous version. */
  readonly changes: readonly Change[];
  /** The whole validated document, defaults filled, `version` equal to the record's. */
  readonly document: Topology;
  /** Every write-point this version changed, through the leader-change protocol (absent: none). */
  readonly leaderChanges?: readonly LeaderChangeAudit[];
  /** True when an operator forced an unclean leader change (`--force-unclean`). */
  readonly forced?: boolean;
}

/** A history line: the record without its document. */
export type VersionSummary = Omit<VersionRecord, 'document'>;

export type AppendResult = { readonly ok: true; readonly version: number } | { readonly ok: false; readonly current: number };

/**
 * Where versions live. Implementations: a file-backed store (default,
 * embedded) and Redis. `append` is a compare-and-set on the version, so two
 * control planes (or two operators) can never both write version N.
 */
export interface ConfigStore {
  /** Newest version number; 0 while empty. */
  latestVersion(): Promise<number>;
  get(version: number): Promise<VersionRecord | undefined>;
  /** Newest first, at most `limit`, only versions below `before` when given. */
  history(limit: number, before?: number): Promise<VersionSummary[]>;
  /** Stores `record` if the newest version is `record.version - 1`; otherwise reports the current one. */
  append(record: VersionRecord): Promise<AppendResult>;
  /** Calls `listener` with the newest version whenever a version is appended, through this handle or another. */
  subscribe(listener: (version: number) => void): () => void;
  close(): Promise<void>;
}

/** History lines from records (shared by the implementations). */
export function summarize(record: VersionRecord): VersionSummary {
  const { document: _doc, ...summary } = record;
  return summary;
}
