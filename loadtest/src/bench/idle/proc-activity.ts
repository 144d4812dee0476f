import { readdirSync, readFileSync } from 'node:fs';
import { readProcessTicks } from '../proc-cpu.js';

/** What a process has done so far, as the kernel counts it: CPU, wake-ups, memory. */
export interface ProcessActivity {
  /** CPU time (user + kernel) of all its threads, in clock ticks. */
  readonly ticks: number;
  /**
   * Context switches of all its threads (voluntary + involuntary). An idle
   * process's voluntary switches are its wake-ups: each timer or socket
   * event that ends a wait in epoll is one.
   */
  readonly switches: number;
  /** Resident set size now, in bytes. */
  readonly rssBytes: number;
}

/** The two switch counters of a `/proc/<pid>/task/<tid>/status` text (proc(5)); 0 for a missing line. */
export function parseSwitches(status: string): number {
  let total = 0;
  for (const name of ['voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches']) {
    const m = new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status);
    if (m) total += Number(m[1]);
  }
  return total;
}

/** VmRSS of a `/proc/<pid>/status` text, in bytes (the kernel writes kB). */
export function parseRssBytes(status: string): number {
  const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  if (!m) throw new Error('not a /proc/<pid>/status text: no VmRSS line');
  return Number(m[1]) * 1024;
}

/**
 * Reads a live process's activity. Threads are summed: libuv's pool and V8's
 * workers wake on their own (GC, compilation), and they cost the host alike.
 * A thread that ends between the listing and its read is skipped.
 */
export function readProcessActivity(pid: number): ProcessActivity {
  const ticks = readProcessTicks(pid);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  let switches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      switches += parseSwitches(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
    } catch {
      // The thread ended after the listing: its switches are gone with it.
    }
  }
  return { ticks, switches, rssBytes: parseRssBytes(status) };
}
