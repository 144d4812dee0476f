import type { FinalState, Op } from './history.js';
import type { KeyHistory } from './key-history.js';
import type { Violation } from './violation.js';

function describe(op: Op): string {
  return `#${op.id} ${op.kind}${op.item ? ` ${op.item}` : ''} ${op.outcome}${op.status ? ` ${op.status}` : ''}${op.code ? ` ${op.code}` : ''} at ${op.invokeMs}-${op.completeMs} ms`;
}

/** Phantom or duplicate findings for one SKU seen with a quantity. */
function itemProblems(h: KeyHistory, sku: string, qty: number, where: string, seenMs: number): Violation[] {
  const add = h.addByItem.get(sku);
  const shard = h.adds[0]?.shard ?? h.cartGets[0]?.shard;
  if (!add) return [{ check: 'phantom', key: h.key, shard, detail: `${where} item ${sku}, never appended`, ops: [] }];
  const found: Violation[] = [];
  if (add.outcome === 'fail') found.push({ check: 'phantom', key: h.key, shard, detail: `${where} item ${sku}, appended only by ${describe(add)}, reported as not applied`, ops: [add.id] });
  else if (add.invokeMs > seenMs) found.push({ check: 'phantom', key: h.key, shard, detail: `${where} item ${sku} before its append ${describe(add)} began`, ops: [add.id] });
  // Every append adds quantity 1 of a SKU of its own: more is the same append applied again.
  if (qty > 1) {
    found.push({ check: 'duplicate', key: h.key, shard, detail: `${where} item ${sku} ×${qty}; ${describe(add)} (idempotency key ${add.idempotencyKey ?? 'none'}, ${add.attempts} attempt(s)) appends it once`, ops: [add.id] });
  }
  return found;
}

/**
 * The cart is append-only in the drill (each append a fresh SKU, quantity 1,
 * with an idempotency key kept across retries). Final state: every
 * acknowledged append present, no SKU never appended or appended only by a
 * "not applied" request, none twice. Reads: the same, plus read-your-writes
 * (the session's acknowledged appends present) and monotonic reads (nothing
 * seen earlier by the session missing).
 */
export function checkCart(h: KeyHistory, final: FinalState, out: Violation[]): void {
  checkFinalCart(h, final, out);
  const seenBy = new Map<string, Op>();
  for (const c of h.cartGets) {
    if (c.outcome !== 'ok' || !c.items) continue;
    for (const [sku, qty] of Object.entries(c.items)) out.push(...itemProblems(h, sku, qty, `read ${describe(c)} returned`, c.completeMs));
    if (!c.withSession) {
      checkCartStaleness(h, c, out);
      continue;
    }
    checkCartSession(h, c, seenBy.get(c.session), out);
    seenBy.set(c.session, c);
  }
}

const lacks = (items: Readonly<Record<string, number>>, a: Op) => a.item !== undefined && !((items[a.item] ?? 0) > 0);

function checkFinalCart(h: KeyHistory, final: FinalState, out: Violation[]): void {
  const acked = h.adds.filter((a) => a.outcome === 'ok');
  for (const r of final.keys[h.key]?.replicas ?? []) {
    for (const a of acked) {
      if (lacks(r.cart, a)) out.push({ check: 'lost-write', key: h.key, shard: a.shard, detail: `${r.node} lacks item ${a.item}; ${describe(a)} was acknowledged`, ops: [a.id] });
    }
    for (const [sku, qty] of Object.entries(r.cart)) out.push(...itemProblems(h, sku, qty, `${r.node} holds`, Number.POSITIVE_INFINITY));
  }
}

/** Read-your-writes (the session's acknowledged appends present) and monotonic reads (nothing seen earlier missing). */
function checkCartSession(h: KeyHistory, c: Op, prev: Op | undefined, out: Violation[]): void {
  const items = c.items ?? {};
  const lost = h.adds.filter((a) => a.outcome === 'ok' && a.session === c.session && a.completeMs < c.invokeMs && lacks(items, a));
  if (lost.length > 0) {
    out.push({
      check: 'read-your-writes',
      key: h.key,
      shard: c.shard,
      detail: `read ${describe(c)} with the session token lacks ${lost.length} item(s) the session appended before it, e.g. ${describe(lost[0] as Op)}`,
      ops: [c.id, ...lost.map((a) => a.id)],
    });
  }
  const gone = Object.keys(prev?.items ?? {}).filter((sku) => !((items[sku] ?? 0) > 0));
  if (prev && gone.length > 0) {
    out.push({
      check: 'monotonic-read',
      key: h.key,
      shard: c.shard,
      detail: `read ${describe(c)} lacks ${gone.length} item(s) the session's earlier read #${prev.id} saw, e.g. ${gone[0]}`,
      ops: [c.id, prev.id],
    });
  }
}

/** A read without the session token must still miss no append acknowledged longer than its bound ago. */
function checkCartStaleness(h: KeyHistory, c: Op, out: Violation[]): void {
  const bound = c.boundMs;
  if (bound === undefined || (c.served?.staleFallback && c.staleFallbackAllowed)) return;
  const items = c.items ?? {};
  const stale = h.adds.filter((a) => a.outcome === 'ok' && c.invokeMs - a.completeMs > bound && lacks(items, a));
  if (stale.length === 0) return;
  const worst = Math.max(...stale.map((a) => c.invokeMs - a.completeMs));
  out.push({
    check: 'stale-read',
    key: h.key,
    shard: c.shard,
    detail: `read ${describe(c)} lacks ${stale.length} acknowledged item(s): at least ${worst} ms stale; the bound is ${bound} ms`,
    ops: [c.id, ...stale.map((a) => a.id)],
  });
}
