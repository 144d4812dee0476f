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
 * Timers fire late, by an amount that depends on the machine and the wait
 * (here ~0.15 ms at 5 ms, ~0.35 ms at 95 ms). Armed for the rounded-up delay,
 * and waiting one more millisecond whenever they fired a hair early, they
 * delivered each chunk ~1 ms late: ~2–3 ms more than the RTT over a request
 * and its answer. So this process learns how late its timers fire (a moving
 * average of what each firing shows, each observation clamped so a stalled
 * loop teaches it little), arms each timer that much early for the nearest
 * millisecond, and delivers a chunk due within EARLY_MS: a delivery lands
 * within about ±0.5 ms of its time, at no CPU cost (spinning out the last
 * stretch on setImmediate was exact but took a third of a core at idle).
 */
export const EARLY_MS = 0.5;
const timerLateness = { ms: 0.3 };
const LEARNING_RATE = 0.05;
const MAX_OBSERVED_MS = 2;

function learnLateness(late: number): void {
  const observed = Math.min(MAX_OBSERVED_MS, Math.max(-MAX_OBSERVED_MS, late));
  timerLateness.ms = Math.max(0, timerLateness.ms + LEARNING_RATE * (observed - timerLateness.ms));
}

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
  /** When the armed timer was asked to fire (performance clock). */
  private firesAt = 0;
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
    if (!this.timer) this.arm(at - now, now);
  }

  private arm(ms: number, now: number): void {
    const wait = Math.max(1, Math.round(ms - timerLateness.ms));
    this.firesAt = now + wait;
    this.timer = setTimeout(this.flush, wait);
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
    learnLateness(now - this.firesAt);
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
      this.arm((this.queue[this.head] as Scheduled).at - now, now);
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
