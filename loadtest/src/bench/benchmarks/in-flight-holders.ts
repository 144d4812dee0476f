import { type ClientRequest, request } from 'node:http';

/** What to hold open: an upload of a command admission lets through (a critical write). */
export interface HolderOptions {
  /** Absolute URL of the upload, e.g. `http://127.0.0.1:7100/v1/cart/items`. */
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  readonly headers: Readonly<Record<string, string>>;
  /** Uploads held at once. */
  readonly count: number;
  /** Bytes each upload sends per tick; with `tickMs`, above the gateway's minimum body rate so it is never cut. */
  readonly chunkBytes: number;
  readonly tickMs: number;
  /**
   * Each upload is abandoned and opened again after `lifetimeMs + i × staggerMs` (holder i),
   * before the server's request timeout ends it, so at most one is being reopened at a time.
   */
  readonly lifetimeMs: number;
  readonly staggerMs: number;
}

/** Declared length of each upload: never reached, so no write is ever applied. */
const DECLARED_BYTES = 60_000;
/** An upload closed this soon was refused, not held: wait before the next, rather than spin. */
const REFUSED_QUICKER_THAN_MS = 1000;
const REOPEN_AFTER_REFUSAL_MS = 500;

/**
 * Keeps `count` uploads in flight at a gateway: each sends its body slowly
 * and never finishes, so the gateway counts it as admitted and unanswered
 * for as long as it is held. This is how the overload benchmark puts a
 * gateway configured with a tiny `maxInFlight` past its shedding ramp with
 * no load of its own: every other request is then shed, and what a shed
 * costs is measured alone.
 */
export class InFlightHolders {
  private readonly open = new Set<ClientRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly opts: HolderOptions) {
    for (let i = 0; i < opts.count; i++) this.hold(i);
  }

  /** Uploads open now. */
  get holding(): number {
    return this.open.size;
  }

  /** Abandons every upload and stops reopening them. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const req of this.open) req.destroy();
    this.open.clear();
  }

  private hold(i: number): void {
    if (this.stopped) return;
    const { opts } = this;
    const req = request(opts.url, {
      method: opts.method,
      headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': String(DECLARED_BYTES) },
    });
    this.open.add(req);
    const openedAt = Date.now();
    const chunk = Buffer.alloc(opts.chunkBytes, 0x20);
    let sent = 0;
    const tick = setInterval(() => {
      // Stop short of the declared length: the body must never complete.
      if (sent + chunk.length < DECLARED_BYTES) {
        req.write(chunk);
        sent += chunk.length;
      }
    }, opts.tickMs);
    const end = setTimeout(() => req.destroy(), opts.lifetimeMs + i * opts.staggerMs);
    this.timers.add(end);
    req.on('response', (res) => res.resume());
    // An answer, a cut or our own abandonment alike: open the next one (not in a tight loop
    // when the gateway refuses the upload at once).
    req.on('close', () => {
      clearInterval(tick);
      clearTimeout(end);
      this.timers.delete(end);
      this.open.delete(req);
      const again = setTimeout(() => {
        this.timers.delete(again);
        this.hold(i);
      }, Date.now() - openedAt < REFUSED_QUICKER_THAN_MS ? REOPEN_AFTER_REFUSAL_MS : 0);
      this.timers.add(again);
    });
    req.on('error', () => {});
  }
}
