import type { Change, Topology } from '@setgate/config';

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

/** One numbered version with its audit facts: who, what, when, why. */
export interface VersionRecord {
  readonly version: number;
  /** Name of the token that made the change. */
  readonly author: string;
  readonly reason: string;
  /** ISO-8601 time the version was stored. */
  readonly time: string;
  readonly action: ChangeAction;
  /** Difference from the previous version. */
  readonly changes: readonly Change[];
  /** The whole validated document, defaults filled, `version` equal to the record's. */
  readonly document: Topology;
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
