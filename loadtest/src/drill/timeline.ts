import type { Op } from './checker/history.js';
import { quantile } from '../bench/stats.js';

/** One second of a run, as the report plots it. */
export interface Second {
  /** Seconds since the run's start. */
  readonly t: number;
  /** Ops completed in this second. */
  readonly ops: number;
  readonly okWrites: number;
  readonly okReads: number;
  /** Failed or unknown ops by `<status or "none"> <code>`. */
  readonly errors: Readonly<Record<string, number>>;
  /** Latency of the ops completed in this second (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const isWrite = (op: Op) => op.kind === 'profile.put' || op.kind === 'cart.add';

/** A not-found profile read is an answer, not an error. */
const isError = (op: Op) => op.outcome !== 'ok';


/** Buckets a history per second of completion. */
export function timelineOf(ops: readonly Op[], seconds: number): Second[] {
  const buckets = Array.from({ length: Math.max(1, Math.ceil(seconds)) }, () => ({ ops: 0, okWrites: 0, okReads: 0, errors: {} as Record<string, number>, lat: [] as number[] }));
  for (const op of ops) {
    const b = buckets[Math.min(buckets.length - 1, Math.floor(op.completeMs / 1000))];
    if (!b) continue;
    b.ops++;
    b.lat.push(op.completeMs - op.invokeMs);
    if (isError(op)) {
      const k = `${op.status ?? 'none'} ${op.code ?? ''}`.trim();
      b.errors[k] = (b.errors[k] ?? 0) + 1;
    } else if (isWrite(op)) b.okWrites++;
    else b.okReads++;
  }
  return buckets.map((b, t) => {
    const sorted = b.lat.sort((x, y) => x - y);
    return { t, ops: b.ops, okWrites: b.okWrites, okReads: b.okReads, errors: b.errors, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
  });
}

/** Errors over the whole run by `<status> <code>`, most frequent first. */
export function errorTotals(timeline: readonly Second[]): Array<{ readonly error: string; readonly count: number }> {
  const totals = new Map<string, number>();
  for (const s of timeline) for (const [k, n] of Object.entries(s.errors)) totals.set(k, (totals.get(k) ?? 0) + n);
  return [...totals].map(([error, count]) => ({ error, count })).sort((a, b) => b.count - a.count);
}
