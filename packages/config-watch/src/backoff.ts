/** Delays between reconnect attempts: exponential from `baseMs`, capped at `maxMs`, with full jitter. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 100, maxMs: 5000 };

/** Delay before attempt `n` (0-based). Jitter keeps a fleet of components from reconnecting in step. */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
