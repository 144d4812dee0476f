import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const SAMPLE_MS = 200;
const RESOLUTION_MS = 10;
/** No admission decision for this long: stop measuring, so an idle gateway is not woken 100 times a second. */
const IDLE_AFTER_MS = 2000;

/**
 * Event-loop delay over the last sample period (mean, ms; a p99 over 200 ms
 * reacts to one GC pause or a descheduled process and would shed for nothing). A blocked loop
 * shows here before in-flight counts move, since requests are not even read.
 *
 * Measured only while requests ask for it: the first read after a quiet spell
 * starts the monitor (and reads 0 until its first sample), and two seconds
 * without a read stop it. Shedding needs the figure only when there is
 * traffic to shed.
 */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private timer: NodeJS.Timeout | undefined;
  private lastMs = 0;
  private readAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Mean delay over the last period, in ms. */
  get ms(): number {
    this.readAt = this.now();
    if (!this.timer) this.start();
    return this.lastMs;
  }

  /** True while the monitor runs (a request read it within the last two seconds). */
  get measuring(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
    this.lastMs = 0;
  }

  /** One sample period ended: keep its mean, or stop when nobody asked for it lately. */
  sample(): void {
    // The histogram reports ns and includes the resolution's own sleep; the excess is the delay.
    const mean = this.histogram.mean / 1e6 - RESOLUTION_MS;
    this.lastMs = Number.isFinite(mean) ? Math.max(0, mean) : this.lastMs;
    this.histogram.reset();
    if (this.now() - this.readAt > IDLE_AFTER_MS) this.stop();
  }

  private start(): void {
    this.histogram.reset();
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }
}
