import { type Link, parseTraceparent, type Span, traceparentOf } from '@setgate/telemetry';

/** Sampled writes remembered per shard; past this the oldest is forgotten (a follower that far behind gets no links). */
const CAPACITY = 1024;

/**
 * The trace context of a leader's recent **sampled** writes, by LSN, so a
 * fetch answer can carry it to the followers, whose fetch and apply spans then
 * link to the write that produced the entries. Kept in memory only and never
 * in the log: nothing is persisted or replicated per write, an unsampled write
 * costs one `isRecording()` check, and a fetch with no sampled write among its
 * entries costs one size check. A leader restart forgets them (links are lost,
 * never wrong).
 */
export class WriteTraces {
  private readonly byLsn = new Map<number, string>();

  /** Remembers the write at `lsn` if its span is recorded (sampled). */
  remember(lsn: number, span: Span | undefined): void {
    if (span === undefined || !span.isRecording()) return;
    const parent = traceparentOf(span.spanContext());
    if (parent === undefined) return;
    this.byLsn.set(lsn, parent);
    if (this.byLsn.size > CAPACITY) this.byLsn.delete(this.byLsn.keys().next().value as number);
  }

  /** Forgets the write at `lsn`: its commit failed, so the LSN may go to another write. */
  forget(lsn: number): void {
    this.byLsn.delete(lsn);
  }

  /** `traceparent` by LSN of the remembered writes in [from, to]; undefined when there are none. */
  between(from: number, to: number): Record<string, string> | undefined {
    if (this.byLsn.size === 0) return undefined;
    let found: Record<string, string> | undefined;
    for (let lsn = from; lsn <= to; lsn++) {
      const parent = this.byLsn.get(lsn);
      if (parent === undefined) continue;
      found ??= {};
      found[lsn] = parent;
    }
    return found;
  }
}

/** Span links to the writes a fetch answer names (invalid values are skipped: they come over the wire). */
export function linksTo(traces: Readonly<Record<string, string>> | undefined): Link[] {
  if (traces === undefined) return [];
  const links: Link[] = [];
  for (const lsn in traces) {
    const context = parseTraceparent(traces[lsn]);
    if (context !== undefined) links.push({ context, attributes: { 'setgate.lsn': Number(lsn) } });
  }
  return links;
}
