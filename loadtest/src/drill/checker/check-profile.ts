import type { FinalState, Op } from './history.js';
import { certainlyBefore, type KeyHistory, lastAcked } from './key-history.js';
import type { Note, Violation } from './violation.js';

/** `a` was issued before `b` in one session (sessions issue one op at a time), or acknowledged before `b` began. */
function older(a: Op, b: Op): boolean {
  return certainlyBefore(a, b) || (a.session === b.session && a.invokeMs < b.invokeMs);
}

function describe(op: Op): string {
  return `#${op.id} ${op.kind} ${op.outcome}${op.status ? ` ${op.status}` : ''}${op.code ? ` ${op.code}` : ''} at ${op.invokeMs}-${op.completeMs} ms`;
}

/** Why a value is a phantom, or undefined when it was legitimately written (by the time it was seen). */
function phantomReason(writer: Op | undefined, value: string, seenMs: number): string | undefined {
  if (!writer) return `value ${JSON.stringify(value)} was never written`;
  if (writer.outcome === 'fail') return `value ${JSON.stringify(value)} was written only by ${describe(writer)}, reported as not applied`;
  if (writer.invokeMs > seenMs) return `value ${JSON.stringify(value)} was seen before its write ${describe(writer)} began`;
  return undefined;
}

/**
 * The profile document is a register: one put replaces it. Final state: every
 * replica must hold the last acknowledged value or a value written
 * concurrently with it or after it; nothing never written or written only by a
 * "not applied" write. Reads: no phantom, read-your-writes and monotonic per
 * session, within the command's staleness bound.
 */
export function checkProfile(h: KeyHistory, final: FinalState, out: Violation[], notes: Note[]): void {
  checkFinal(h, final, out, notes);
  const lastSeen = new Map<string, Op>();
  for (const g of h.gets) {
    if (g.outcome !== 'ok' || g.value === undefined) continue;
    const writer = g.value === null ? undefined : h.putByValue.get(g.value);
    if (g.value !== null) {
      const why = phantomReason(writer, g.value, g.completeMs);
      if (why) out.push({ check: 'phantom', key: h.key, shard: g.shard, detail: `read ${describe(g)}: ${why}`, ops: [g.id, ...(writer ? [writer.id] : [])] });
    }
    checkStaleness(h, g, writer, out);
    // A phantom is reported as such; ordering it against writes means nothing. Read-your-writes
    // and monotonic reads are session guarantees: only reads that carried the token count.
    if ((g.value !== null && !writer) || !g.withSession) continue;
    checkReadYourWrites(h, g, writer, out, notes);
    const prev = lastSeen.get(g.session);
    const prevWriter = prev?.value ? h.putByValue.get(prev.value) : undefined;
    if (prev && prevWriter) checkMonotonic(h, g, writer, prev, prevWriter, out, notes);
    lastSeen.set(g.session, g);
  }
}

function checkReadYourWrites(h: KeyHistory, g: Op, writer: Op | undefined, out: Violation[], notes: Note[]): void {
  const mine = lastAcked(h.puts, g.invokeMs, g.session);
  if (!mine || writer === mine || (writer && !older(writer, mine))) return;
  const what = writer ? `the older value of ${describe(writer)}` : 'no value';
  if (writer?.outcome === 'unknown') {
    notes.push({ key: h.key, detail: `read ${describe(g)} returned ${what} (outcome unknown, may have applied late) after ${describe(mine)}`, ops: [g.id, mine.id, writer.id] });
    return;
  }
  out.push({
    check: 'read-your-writes',
    key: h.key,
    shard: g.shard,
    detail: `read ${describe(g)} with the session token returned ${what}; the session's write ${describe(mine)} was acknowledged before it`,
    ops: [g.id, mine.id, ...(writer ? [writer.id] : [])],
  });
}

function checkMonotonic(h: KeyHistory, g: Op, writer: Op | undefined, prev: Op, prevWriter: Op, out: Violation[], notes: Note[]): void {
  if (writer === prevWriter || (writer && !older(writer, prevWriter))) return;
  const what = writer ? `the older value of ${describe(writer)}` : 'no value';
  if (writer?.outcome === 'unknown') {
    notes.push({ key: h.key, detail: `read ${describe(g)} returned ${what} after read #${prev.id} saw ${describe(prevWriter)}`, ops: [g.id, prev.id] });
    return;
  }
  out.push({
    check: 'monotonic-read',
    key: h.key,
    shard: g.shard,
    detail: `read ${describe(g)} returned ${what} after the session's read #${prev.id} saw the value of ${describe(prevWriter)}`,
    ops: [g.id, prev.id, prevWriter.id, ...(writer ? [writer.id] : [])],
  });
}

function checkFinal(h: KeyHistory, final: FinalState, out: Violation[], notes: Note[]): void {
  const key = h.key;
  const acked = lastAcked(h.puts);
  const replicas = final.keys[key]?.replicas ?? [];
  const byValue = new Map<string | null, string[]>();
  for (const r of replicas) byValue.set(r.profile, [...(byValue.get(r.profile) ?? []), r.node]);
  for (const [value, nodes] of byValue) {
    const where = `${nodes.join(', ')} hold${nodes.length === 1 ? 's' : ''}`;
    const shard = final.keys[key]?.shard;
    if (value === null) {
      if (acked) out.push({ check: 'lost-write', key, shard, detail: `${where} no profile; ${describe(acked)} was acknowledged`, ops: [acked.id] });
      continue;
    }
    const writer = h.putByValue.get(value);
    const why = phantomReason(writer, value, Number.POSITIVE_INFINITY);
    if (why || !writer) {
      out.push({ check: 'phantom', key, shard, detail: `${where} a phantom profile: ${why}`, ops: writer ? [writer.id] : [] });
      continue;
    }
    if (!acked || writer === acked) continue;
    if (certainlyBefore(writer, acked)) {
      out.push({ check: 'lost-write', key, shard, detail: `${where} the value of ${describe(writer)}; the later ${describe(acked)} was acknowledged and is lost`, ops: [acked.id, writer.id] });
    } else if (writer.outcome === 'unknown' && writer.invokeMs < acked.invokeMs) {
      notes.push({ key, detail: `${where} the value of ${describe(writer)} (outcome unknown, issued before ${describe(acked)}): legal only if it took effect late`, ops: [writer.id, acked.id] });
    }
  }
}

/**
 * A read is held to its command's bound: by the staleness the replica reported, and (reads
 * without a session token) by the history: a value superseded by a write acknowledged more
 * than the bound before the read began was at least that stale. The stale-fallback path may
 * exceed the bound only when the command allows it and the answer says so.
 */
function checkStaleness(h: KeyHistory, g: Op, writer: Op | undefined, out: Violation[]): void {
  const bound = g.boundMs;
  if (bound === undefined) return;
  const excused = g.served?.staleFallback === true && g.staleFallbackAllowed === true;
  if (excused) return;
  const reported = g.served?.stalenessMs;
  if (reported !== undefined && reported > bound) {
    out.push({ check: 'stale-read', key: h.key, shard: g.shard, detail: `read ${describe(g)} was served ${reported} ms stale (reported by ${g.served?.node ?? 'the replica'}); the bound is ${bound} ms`, ops: [g.id] });
    return;
  }
  if (g.withSession || (g.value !== null && !writer)) return;
  const superseding = h.puts.find((p) => p.outcome === 'ok' && p.completeMs < g.invokeMs && (!writer || (p !== writer && certainlyBefore(writer, p))));
  if (!superseding) return;
  const measured = g.invokeMs - superseding.completeMs;
  if (measured > bound) {
    out.push({ check: 'stale-read', key: h.key, shard: g.shard, detail: `read ${describe(g)} returned a value superseded by ${describe(superseding)}: at least ${measured} ms stale; the bound is ${bound} ms`, ops: [g.id, superseding.id] });
  }
}
