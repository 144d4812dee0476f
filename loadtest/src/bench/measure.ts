import type { BenchTarget } from './benchmark.js';
import { type DriveOptions, drive, type LoadSample } from './drive.js';
import { readProcessTicks, ticksToMicros } from './proc-cpu.js';

/** CPU one measured process spent during a run. */
export interface ProcessCpu {
  readonly name: string;
  readonly pid: number;
  /** CPU time (user + kernel) over the run, in µs. */
  readonly cpuUs: number;
  /** `cpuUs` divided by requests completed; null when none completed. */
  readonly cpuUsPerRequest: number | null;
}

/** One counted run of one configuration: client view plus the OS's CPU accounting. */
export interface MeasuredSample extends LoadSample {
  /** Summed over the configuration's measured processes, per completed request. */
  readonly cpuUsPerRequest: number | null;
  readonly processes: readonly ProcessCpu[];
}

/**
 * Runs load against a target and charges it the CPU its measured processes
 * used meanwhile, read from /proc before and after. Tick resolution is
 * 1/CLK_TCK s per process, so runs should last seconds, not milliseconds.
 */
export async function measuredRun(target: BenchTarget, opts: DriveOptions, hz: number): Promise<MeasuredSample> {
  const before = target.measured.map((p) => readProcessTicks(p.pid));
  const load = await drive(target.request, opts);
  const after = target.measured.map((p) => readProcessTicks(p.pid));
  const perRequest = (us: number) => (load.requests > 0 ? us / load.requests : null);
  const processes = target.measured.map((p, i): ProcessCpu => {
    const cpuUs = ticksToMicros((after[i] as number) - (before[i] as number), hz);
    return { name: p.name, pid: p.pid, cpuUs, cpuUsPerRequest: perRequest(cpuUs) };
  });
  const totalUs = processes.reduce((sum, p) => sum + p.cpuUs, 0);
  return { ...load, cpuUsPerRequest: perRequest(totalUs), processes };
}
