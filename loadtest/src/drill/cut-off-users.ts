import type { Op } from './checker/history.js';

/** What the users of a region cut off from the world saw while it was cut off. */
export interface CutOffUsers {
  readonly region: string;
  /** Users whose home region it is. */
  readonly users: number;
  /** From the fault to the heal (ms of the run). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Their ops invoked in that window, by the region whose proxy took them. */
  readonly via: Readonly<Record<string, number>>;
  readonly reads: { readonly ok: number; readonly fail: number; readonly unknown: number; readonly staleFallback: number };
  readonly writes: { readonly ok: number; readonly fail: number; readonly unknown: number };
}

const isWrite = (op: Op) => op.kind === 'profile.put' || op.kind === 'cart.add';

/**
 * Follows the users of `region` through the window it was cut off: which
 * region served them and how their reads and writes ended. Whether a read
 * kept its staleness bound and its session's writes is the checker's verdict
 * on the same ops; this says where they went.
 */
export function cutOffUsers(ops: readonly Op[], region: string, userIds: ReadonlySet<string>, fromMs: number, toMs: number): CutOffUsers {
  const via: Record<string, number> = {};
  const reads = { ok: 0, fail: 0, unknown: 0, staleFallback: 0 };
  const writes = { ok: 0, fail: 0, unknown: 0 };
  for (const op of ops) {
    if (!userIds.has(op.session) || op.invokeMs < fromMs || op.invokeMs >= toMs) continue;
    const where = op.via ?? 'unknown';
    via[where] = (via[where] ?? 0) + 1;
    const bucket = isWrite(op) ? writes : reads;
    bucket[op.outcome === 'ok' ? 'ok' : op.outcome]++;
    if (!isWrite(op) && op.outcome === 'ok' && op.served?.staleFallback) reads.staleFallback++;
  }
  return { region, users: userIds.size, fromMs, toMs, via, reads, writes };
}
