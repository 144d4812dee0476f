import { Dispatcher, Pool } from 'undici';

/**
 * One keep-alive pool per origin, kept for the life of the dispatcher (a
 * component talks to the bounded set of origins its topology names).
 *
 * Why not undici 7's Agent, which does the same: its per-origin bookkeeping
 * counts connects and disconnects per origin key, not per pool. Once a
 * connection attempt failed (a peer still starting) or a request was aborted
 * while connecting, the count went out of step; from then on every
 * disconnect closed the origin's current pool, and the old pool's own
 * disconnect closed its replacement, so each request to that origin paid a
 * new TCP connection. Seen on idle nodes as a new connection per replication
 * long-poll, about 0.35 s apart, forever. (undici 8's Agent checks the pool's
 * identity and live connections before closing it.)
 */
export class OriginPools extends Dispatcher {
  private readonly pools = new Map<string, Pool>();
  private closed = false;
  private ending: Promise<void> | undefined;

  constructor(private readonly options: Pool.Options) {
    super();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.closed) throw new Error('dispatcher is closed');
    const origin = String(opts.origin);
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, this.options);
      this.pools.set(origin, pool);
    }
    return pool.dispatch(opts, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    this.closed = true;
    this.ending ??= Promise.all([...this.pools.values()].map((p) => p.close())).then(() => undefined);
    const done = this.ending;
    if (callback === undefined) return done;
    void done.then(callback, callback);
    return undefined;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | undefined {
    this.closed = true;
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = Promise.all([...this.pools.values()].map((p) => (p.destroyed ? undefined : p.destroy(err)))).then(() => undefined);
    this.ending = done;
    if (callback === undefined) return done;
    void done.then(callback, callback);
    return undefined;
  }
}
