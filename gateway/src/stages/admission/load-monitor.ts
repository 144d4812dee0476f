import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const SAMPLE_MS = 200;

/**
 * Event-loop delay over the last sample period (mean, ms; a p99 over 200 ms
 * reacts to one GC pause or a descheduled process and would shed for nothing). A blocked loop
 * shows here before in-flight counts move, since requests are not even read.
 */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly timer: NodeJS.Timeout;
  private lastMs = 0;

  constructor() {
    this.histogram.enable();
    this.timer = setInterval(() => {
      // The histogram reports ns and includes the resolution's own sleep; the excess is the delay.
      this.lastMs = Math.max(0, this.histogram.mean / 1e6 - 10);
      this.histogram.reset();
    }, SAMPLE_MS);
    this.timer.unref();
  }

  /** Mean delay over the last period, in ms. */
  get ms(): number {
    return this.lastMs;
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
