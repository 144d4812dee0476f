import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from './direction.js';

type Item = Buffer | 'end' | 'reset';

interface Scheduled {
  readonly item: Item;
  readonly at: number;
}

/** Above this many queued bytes the source is paused, as a full TCP window would. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = 1 << 18;

/**
 * Timers run on a coarse millisecond clock and fire about 0.3 ms after the
 * millisecond asked for. Armed for the rounded-up delay, and waiting one more
 * millisecond whenever they fired a little early, they delivered each chunk
 * ~1 ms late, which over a request and its answer added ~2–3 ms to an RTT.
 * So a timer is armed for the nearest millisecond after allowing for that
 * lateness, and a chunk due within EARLY_MS goes: a delivery lands within
 * about ±0.5 ms of its time, at no CPU cost (spinning out the last stretch on
 * setImmediate was exact but took a third of a core at idle).
 */
const TIMER_LATE_MS = 0.3;
export const EARLY_MS = 0.5;

/** Process-wide relay counters, read by /status. */
export interface PipeCounters {
  chunks: number;
  bytes: number;
  timerFires: number;
}

/**
 * One direction of one relayed connection: every chunk read from `src` is
 * written to `dst` after the direction's one-way delay, in order. One timer per
 * pipe at a time, armed for the queue's head; a firing delivers everything due
 * under one cork, so a burst costs one timer and one write syscall.
 * While the direction is cut, bytes (and the FIN) are held and released on heal.
 */
export class DelayPipe {
  private queue: Scheduled[] = [];
  private head = 0;
  private held: Item[] = [];
  private queuedBytes = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private dstBlocked = false;
  private closed = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    readonly direction: Direction,
    private readonly counters: PipeCounters,
  ) {
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => this.push('end'));
    src.on('close', (hadError) => {
      if (hadError || !src.readableEnded) this.push('reset');
    });
    dst.on('drain', () => {
      this.dstBlocked = false;
      this.maybeResume();
    });
  }

  /** Bytes waiting in this pipe (delayed or held). */
  get pending(): number {
    return this.queuedBytes;
  }

  /** Sends a chunk read before this pipe existed, as if it had just been read. */
  inject(chunk: Buffer): void {
    this.push(chunk);
  }

  /** Moves held items back into the delay queue (after a heal). */
  release(): void {
    if (this.held.length === 0 || this.direction.cut) return;
    const held = this.held;
    this.held = [];
    for (const item of held) {
      if (Buffer.isBuffer(item)) this.direction.stats.heldBytes -= item.length;
      this.schedule(item, performance.now());
    }
  }

  /** Stops delivering (the connection is gone). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const item of this.held) if (Buffer.isBuffer(item)) this.direction.stats.heldBytes -= item.length;
    this.held = [];
    this.queue = [];
    this.head = 0;
  }

  private push(item: Item): void {
    if (this.closed) return;
    if (Buffer.isBuffer(item)) {
      this.counters.chunks++;
      this.counters.bytes += item.length;
      this.direction.stats.chunks++;
      this.direction.stats.bytes += item.length;
      this.queuedBytes += item.length;
      if (this.queuedBytes > HIGH_WATER) this.src.pause();
    }
    if (this.direction.cut) {
      this.hold(item);
      return;
    }
    this.schedule(item, performance.now());
  }

  private hold(item: Item): void {
    if (Buffer.isBuffer(item)) this.direction.stats.heldBytes += item.length;
    this.held.push(item);
  }

  private schedule(item: Item, now: number): void {
    const bytes = Buffer.isBuffer(item) ? item.length : 0;
    // Never before an earlier chunk: jitter must not reorder a TCP stream.
    const at = Math.max(this.direction.arrival(now, bytes), this.lastAt);
    this.lastAt = at;
    this.queue.push({ item, at });
    if (!this.timer) this.arm(at - now);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.flush, Math.max(1, Math.round(ms - TIMER_LATE_MS)));
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    this.counters.timerFires++;
    if (this.closed) return;
    if (this.direction.cut) {
      // In flight when the cut came: held with what follows, in order.
      const inFlight = this.queue.slice(this.head).map((s) => s.item);
      this.queue = [];
      this.head = 0;
      for (const item of inFlight) if (Buffer.isBuffer(item)) this.direction.stats.heldBytes += item.length;
      this.held = [...inFlight, ...this.held];
      return;
    }
    const now = performance.now();
    let corked = false;
    while (this.head < this.queue.length) {
      const next = this.queue[this.head] as Scheduled;
      if (next.at > now + EARLY_MS) break;
      this.head++;
      if (!corked && Buffer.isBuffer(next.item)) {
        this.dst.cork();
        corked = true;
      }
      this.deliver(next.item);
    }
    if (corked) this.dst.uncork();
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.arm((this.queue[this.head] as Scheduled).at - now);
    }
    this.maybeResume();
  };

  private deliver(item: Item): void {
    if (item === 'end') {
      if (!this.dst.destroyed) this.dst.end();
      return;
    }
    if (item === 'reset') {
      if (!this.dst.destroyed) this.dst.resetAndDestroy();
      return;
    }
    this.queuedBytes -= item.length;
    if (this.dst.destroyed || this.dst.writableEnded) return;
    if (!this.dst.write(item)) this.dstBlocked = true;
  }

  private maybeResume(): void {
    if (!this.dstBlocked && this.queuedBytes < LOW_WATER && this.src.isPaused() && !this.src.destroyed) this.src.resume();
  }
}
