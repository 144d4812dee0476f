import type { Redis } from '@setgate/redis-client';
import type { CounterWindow, WindowCounters } from './window-counters.js';

/** Options of the Redis sync loop. */
export interface RedisSyncOptions {
  readonly counters: WindowCounters;
  /** The process's Redis client (from `createRedis`, fail-fast timeouts). */
  readonly redis: Redis;
  /** Prefix of every counter key, e.g. `setgate:rl:us-east:`. */
  readonly keyPrefix: string;
  readonly intervalMs: number;
  /** Called when the mode changes, for logs. */
  readonly onModeChange?: (mode: 'shared' | 'local', cause?: unknown) => void;
  readonly now?: () => number;
}

/**
 * Pushes the counters to Redis every `intervalMs` in one pipeline (INCRBY and
 * PEXPIRE per live window) and reads back the region-wide totals. A failed
 * batch puts the limiter in local mode and keeps its counts pending; the
 * first batch that succeeds puts it back in shared mode. Requests never wait
 * on this loop, so a dead Redis costs no request any latency.
 */
export class RedisSync {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly now: () => number;
  /** Batches Redis accepted and refused, for status. */
  readonly stats = { synced: 0, failed: 0 };

  constructor(private readonly opts: RedisSyncOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.syncOnce(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One batch; exported for tests. Overlapping calls are skipped, not queued. */
  async syncOnce(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { counters, redis } = this.opts;
    const batch = counters.takeBatch(this.now());
    try {
      // Not connected: fail at once instead of queueing (the client has no offline queue anyway).
      if (redis.status !== 'ready') throw new Error(`redis is ${redis.status}`);
      const totals = batch.length === 0 ? [] : await this.push(batch);
      counters.settle(batch, totals);
      this.stats.synced++;
      this.setMode('shared');
    } catch (err) {
      counters.restore(batch);
      this.stats.failed++;
      this.setMode('local', err);
    } finally {
      this.running = false;
    }
  }

  private async push(batch: readonly CounterWindow[]): Promise<number[]> {
    const pipeline = this.opts.redis.pipeline();
    for (const w of batch) {
      const key = `${this.opts.keyPrefix}${w.key}:${w.start}`;
      pipeline.incrby(key, w.inFlight);
      // Outlives the window a little so a late gateway still adds to the same count.
      pipeline.pexpire(key, w.windowMs + 1000);
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('redis pipeline was aborted');
    const totals: number[] = [];
    for (let i = 0; i < results.length; i += 2) {
      const [err, value] = results[i] as [Error | null, unknown];
      if (err) throw err;
      totals.push(Number(value));
    }
    return totals;
  }

  private setMode(mode: 'shared' | 'local', cause?: unknown): void {
    if (this.opts.counters.mode === mode) return;
    this.opts.counters.mode = mode;
    this.opts.onModeChange?.(mode, cause);
  }
}
