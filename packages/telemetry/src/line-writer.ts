import { type DestinationStream, pino } from 'pino';

/** The levels a LineWriter writes at. */
export type LineLevel = 'info' | 'warn' | 'error';

/** Printable ASCII without `"` or `\`: written between quotes as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A JSON string literal; the common case (plain ASCII) without JSON.stringify's call. */
export function jsonString(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * Writes the one line a component logs per request (the access line) exactly
 * as its pino logger would: `{"level","time", the base fields, the line's
 * fields, "msg"}`, at the logger's threshold, to the logger's destination. The
 * caller hands the line's fields already serialised: their shape is fixed, and
 * pino's generic serialiser cost ~1 µs more per line in a loop and a few % of a
 * loaded hop in profiles, at every hop of every request.
 * No redaction: what goes through here is built by setgate from fields that
 * carry no credential (method, path without its query, route, status, ids).
 */
export class LineWriter {
  private readonly threshold: number;
  /** `,"service":…,"instance":…`, or empty. */
  private readonly base: string;

  constructor(
    level: string,
    base: Readonly<Record<string, unknown>>,
    private readonly destination: DestinationStream,
  ) {
    const value = level === 'silent' ? Number.POSITIVE_INFINITY : pino.levels.values[level];
    if (value === undefined) throw new Error(`unknown log level "${level}"`);
    this.threshold = value;
    const fields = JSON.stringify(base).slice(1, -1);
    this.base = fields === '' ? '' : `,${fields}`;
  }

  /** Whether a line at `level` would be written: skip building one that would not. */
  enabled(level: LineLevel): boolean {
    return (pino.levels.values[level] as number) >= this.threshold;
  }

  /** Writes one line; `fields` is `"key":value,…` (JSON object members, no braces), or empty. */
  write(level: LineLevel, fields: string, msg: string): void {
    const value = pino.levels.values[level] as number;
    if (value < this.threshold) return;
    this.destination.write(`{"level":${value},"time":${Date.now()}${this.base}${fields === '' ? '' : `,${fields}`},"msg":${jsonString(msg)}}\n`);
  }
}
