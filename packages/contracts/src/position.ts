/**
 * A point in a shard's log: `(epoch, lsn)` orders a shard's history.
 * Carried as `epoch:lsn` in headers (x-setgate-min-position, session tokens).
 */
export interface LogPosition {
  readonly epoch: number;
  readonly lsn: number;
}

export function formatPosition(p: LogPosition): string {
  return `${p.epoch}:${p.lsn}`;
}

/** Parses `epoch:lsn`; undefined when malformed. */
export function parsePosition(text: string | undefined): LogPosition | undefined {
  if (!text) return undefined;
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(text.trim());
  if (!m) return undefined;
  return { epoch: Number(m[1]), lsn: Number(m[2]) };
}

/** Orders positions: epoch first, then LSN. Negative when a < b. */
export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.lsn - b.lsn;
}
