import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const SAMPLE_MS = 200;
const RESOLUTION_MS = 10;
/** No admission decision for this long: stop measuring, so an idle gateway is not woken 100 times a second. */
const IDLE_AFTER_MS = 2000;
/** The share of a core the loop's own thread must have used over a period for its delay to count in full. */
const OWN_WORK_SHARE = 0.5;

/** Node ≥ 23.9 (the pinned Node 24) has it; @types/node 20 does not declare it. */
type CpuUsageOf = () => NodeJS.CpuUsage;
const threadCpuUsage: CpuUsageOf | undefined = (process as { threadCpuUsage?: CpuUsageOf }).threadCpuUsage?.bind(process);

/**
 * CPU time of the calling thread in ms (the gateway's event loop; a worker's own loop in a
 * worker). Without threadCpuUsage, the whole process's: in a multi-threaded gateway that reads
 * high, so delay counts as it did before this weighing, never less.
 */
function threadCpuMs(): number {
  const u = threadCpuUsage ? threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Event-loop delay over the last sample period (mean, ms; a p99 over 200 ms
 * reacts to one GC pause or a descheduled process and would shed for nothing). A blocked loop
 * shows here before in-flight counts move, since requests are not even read.
 *
 * Only delay the gateway causes itself counts: it is scaled by the share of a core the loop's
 * thread used over the period, in full from OWN_WORK_SHARE. A loop late because the host
 * starves the process (other processes hold the cores) did little work of its own; shedding
 * would refuse requests it has the time to serve and free nothing (seen in the kill-write-point
 * drill: every process of three regions on 2 cores, normal-priority writes shed 15 s after the
 * failover had ended). A gateway really behind on its own work still fills its in-flight slots.
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
  private periodStart = { wallMs: 0, cpuMs: 0 };

  /**
   * @param now a monotonic clock in ms
   * @param cpuMs the CPU time of the loop's thread in ms
   */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly cpuMs: () => number = threadCpuMs,
  ) {}

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

  /** One sample period ended: keep its mean, weighed by the loop's own work, or stop when nobody asked for it lately. */
  sample(): void {
    // The histogram reports ns and includes the resolution's own sleep; the excess is the delay.
    const mean = this.histogram.mean / 1e6 - RESOLUTION_MS;
    const now = this.now();
    const cpu = this.cpuMs();
    const wall = now - this.periodStart.wallMs;
    const share = wall > 0 ? (cpu - this.periodStart.cpuMs) / wall : 1;
    this.periodStart = { wallMs: now, cpuMs: cpu };
    if (Number.isFinite(mean)) this.lastMs = Math.max(0, mean) * Math.min(1, share / OWN_WORK_SHARE);
    this.histogram.reset();
    if (now - this.readAt > IDLE_AFTER_MS) this.stop();
  }

  private start(): void {
    this.periodStart = { wallMs: this.now(), cpuMs: this.cpuMs() };
    this.histogram.reset();
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }
}
