import type { Op } from './history.js';

/** One key's operations, split by kind and ordered by invocation. */
export interface KeyHistory {
  readonly key: string;
  readonly puts: readonly Op[];
  readonly gets: readonly Op[];
  readonly adds: readonly Op[];
  readonly cartGets: readonly Op[];
  /** profile.put by value written (values are unique per write). */
  readonly putByValue: ReadonlyMap<string, Op>;
  /** cart.add by SKU appended (SKUs are unique per append). */
  readonly addByItem: ReadonlyMap<string, Op>;
}

const byInvoke = (a: Op, b: Op) => a.invokeMs - b.invokeMs || a.id - b.id;

/** Groups a history's ops per key; `alsoKeys` (e.g. every key read at the end) get a history even without ops. */
export function groupByKey(ops: readonly Op[], alsoKeys: readonly string[] = []): Map<string, KeyHistory> {
  const out = new Map<string, { key: string; puts: Op[]; gets: Op[]; adds: Op[]; cartGets: Op[] }>();
  for (const key of alsoKeys) out.set(key, { key, puts: [], gets: [], adds: [], cartGets: [] });
  for (const op of ops) {
    let h = out.get(op.key);
    if (!h) {
      h = { key: op.key, puts: [], gets: [], adds: [], cartGets: [] };
      out.set(op.key, h);
    }
    if (op.kind === 'profile.put') h.puts.push(op);
    else if (op.kind === 'profile.get') h.gets.push(op);
    else if (op.kind === 'cart.add') h.adds.push(op);
    else h.cartGets.push(op);
  }
  const result = new Map<string, KeyHistory>();
  for (const [key, h] of out) {
    for (const list of [h.puts, h.gets, h.adds, h.cartGets]) list.sort(byInvoke);
    result.set(key, {
      ...h,
      putByValue: new Map(h.puts.filter((p) => typeof p.value === 'string').map((p) => [p.value as string, p])),
      addByItem: new Map(h.adds.filter((a) => a.item !== undefined).map((a) => [a.item as string, a])),
    });
  }
  return result;
}

/** The last acknowledged op of a list (by completion) that completed before `beforeMs`, and of `session` if given. */
export function lastAcked(ops: readonly Op[], beforeMs = Number.POSITIVE_INFINITY, session?: string): Op | undefined {
  let best: Op | undefined;
  for (const op of ops) {
    if (op.outcome !== 'ok' || op.completeMs >= beforeMs) continue;
    if (session !== undefined && op.session !== session) continue;
    if (!best || op.completeMs > best.completeMs) best = op;
  }
  return best;
}

/**
 * True when write `a` certainly took effect before `b` could have: `a` was acknowledged
 * before `b` was invoked. (Anything less is concurrent, and either order is legal.)
 */
export function certainlyBefore(a: Op, b: Op): boolean {
  return a.outcome === 'ok' && a.completeMs < b.invokeMs;
}
