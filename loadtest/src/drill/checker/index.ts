import { checkCart } from './check-cart.js';
import { checkProfile } from './check-profile.js';
import { checkReplicas } from './check-replicas.js';
import type { History } from './history.js';
import { groupByKey } from './key-history.js';
import { CHECKS, type CheckName, type Note, type Violation } from './violation.js';

export * from './history.js';
export * from './outcome.js';
export * from './violation.js';

/** The verdict on one history. */
export interface CheckReport {
  /** True when no check found anything. */
  readonly passed: boolean;
  /** Violations per check (every check listed, 0 included). */
  readonly counts: Readonly<Record<CheckName, number>>;
  readonly violations: readonly Violation[];
  /** Acknowledged writes missing on an async shard where the system reported a possible loss (History.reportedLossShards). */
  readonly reportedAsyncLosses: readonly Violation[];
  readonly notes: readonly Note[];
  readonly stats: {
    readonly ops: number;
    readonly keys: number;
    readonly writes: { readonly ok: number; readonly fail: number; readonly unknown: number };
    readonly reads: { readonly ok: number; readonly other: number };
  };
}

/**
 * Judges a recorded history: pure, so a run's JSON can be checked again and
 * every check is shown on synthetic histories in its tests.
 */
export function checkHistory(history: History): CheckReport {
  let violations: Violation[] = [];
  const notes: Note[] = [];
  const keys = groupByKey(history.ops, Object.keys(history.final.keys));
  for (const h of keys.values()) {
    checkProfile(h, history.final, violations, notes);
    checkCart(h, history.final, violations);
  }
  checkReplicas(history.final, violations);
  const reported = new Set(history.reportedLossShards ?? []);
  const isReported = (v: Violation) => v.check === 'lost-write' && v.shard !== undefined && reported.has(v.shard);
  const reportedAsyncLosses = violations.filter(isReported);
  violations = violations.filter((v) => !isReported(v));
  const counts = Object.fromEntries(CHECKS.map((c) => [c, 0])) as Record<CheckName, number>;
  for (const v of violations) counts[v.check]++;
  const writes = { ok: 0, fail: 0, unknown: 0 };
  const reads = { ok: 0, other: 0 };
  for (const op of history.ops) {
    if (op.kind === 'profile.put' || op.kind === 'cart.add') writes[op.outcome]++;
    else if (op.outcome === 'ok') reads.ok++;
    else reads.other++;
  }
  return { passed: violations.length === 0, counts, violations, reportedAsyncLosses, notes, stats: { ops: history.ops.length, keys: keys.size, writes, reads } };
}
