/** Whether limits are shared through Redis or each gateway counts alone. */
export type LimiterMode = 'shared' | 'local';

/** One key's fixed window as this gateway knows it. */
export interface CounterWindow {
  readonly key: string;
  /** Window start, ms since epoch, aligned to `windowMs` so every gateway shares the boundaries. */
  readonly start: number;
  readonly windowMs: number;
  /** The region-wide total Redis last returned (this gateway's pushed counts included). */
  shared: number;
  /** Counted here and being pushed right now. */
  inFlight: number;
  /** Counted here and not pushed yet. */
  pending: number;
  /** Everything this gateway counted in the window: the count while Redis is unreachable. */
  local: number;
}

/** What the store answers @fastify/rate-limit. */
export interface CountResult {
  readonly current: number;
  /** ms until the window resets. */
  readonly ttl: number;
}

/**
 * Fixed-window request counters that never wait on the network: `incr`
 * counts locally and answers at once; a sync loop (redis-sync.ts) pushes the
 * pending counts in batches and brings back the region-wide totals.
 *
 * In `shared` mode a key's count is the last region-wide total plus what this
 * gateway counted since. In `local` mode (Redis unreachable, or none
 * configured) it is what this gateway counted in the window, and the
 * plugin divides each limit by the region's gateway count.
 */
export class WindowCounters {
  private readonly windows = new Map<string, CounterWindow>();
  mode: LimiterMode;

  constructor(initialMode: LimiterMode) {
    this.mode = initialMode;
  }

  /** Counts one request for `key` in its current window. */
  incr(key: string, windowMs: number, nowMs: number): CountResult {
    const start = nowMs - (nowMs % windowMs);
    let w = this.windows.get(key);
    if (w === undefined || w.start !== start || w.windowMs !== windowMs) {
      w = { key, start, windowMs, shared: 0, inFlight: 0, pending: 0, local: 0 };
      this.windows.set(key, w);
    }
    w.pending++;
    w.local++;
    const current = this.mode === 'shared' ? w.shared + w.inFlight + w.pending : w.local;
    return { current, ttl: start + windowMs - nowMs };
  }

  /**
   * Drops finished windows and hands out the live ones with counts to push,
   * moving `pending` to `inFlight`. Every live window is returned: one with
   * nothing pending still learns the other gateways' counts.
   */
  takeBatch(nowMs: number): CounterWindow[] {
    const batch: CounterWindow[] = [];
    for (const w of this.windows.values()) {
      if (w.start + w.windowMs <= nowMs) {
        this.windows.delete(w.key);
        continue;
      }
      w.inFlight += w.pending;
      w.pending = 0;
      batch.push(w);
    }
    return batch;
  }

  /** Redis took the batch: `totals[i]` is the region-wide count of `batch[i]`. */
  settle(batch: readonly CounterWindow[], totals: readonly number[]): void {
    batch.forEach((w, i) => {
      w.shared = totals[i] ?? w.shared;
      w.inFlight = 0;
    });
  }

  /** Redis did not take the batch: its counts stay pending for the next try. */
  restore(batch: readonly CounterWindow[]): void {
    for (const w of batch) {
      w.pending += w.inFlight;
      w.inFlight = 0;
    }
  }

  /** Live windows (for status and tests). */
  get size(): number {
    return this.windows.size;
  }
}
