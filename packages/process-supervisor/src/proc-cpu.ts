import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process has used, in clock ticks, as the kernel counts it. */
export interface CpuTicks {
  /** Time in user mode (field 14 of /proc/<pid>/stat). */
  readonly utime: number;
  /** Time in kernel mode (field 15). */
  readonly stime: number;
}

/**
 * Reads utime and stime from the text of `/proc/<pid>/stat` (proc(5)).
 * The command name (field 2) is in parentheses and may itself hold spaces
 * or parentheses, so fields are counted from the last `)`.
 */
export function parseStatTicks(stat: string): CpuTicks {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no ")" after the command name');
  // After ") " come fields 3 (state), 4, …; utime is field 14, stime field 15.
  const fields = stat.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime)) {
    throw new Error(`not a /proc/<pid>/stat line: utime/stime are "${fields[11]}"/"${fields[12]}"`);
  }
  return { utime, stime };
}

/** Total CPU ticks (user + kernel) of a live process, all its threads included. */
export function readProcessTicks(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    throw new Error(`cannot read CPU time of pid ${pid}: ${(err as Error).message} (the process exited, or this is not Linux)`, {
      cause: err,
    });
  }
  const t = parseStatTicks(text);
  return t.utime + t.stime;
}

let cachedHz: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
export function clockTicksPerSecond(): number {
  if (cachedHz !== undefined) return cachedHz;
  let out: string;
  try {
    out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  } catch (err) {
    throw new Error(`getconf CLK_TCK failed: ${(err as Error).message}`, { cause: err });
  }
  const hz = Number(out.trim());
  if (!Number.isSafeInteger(hz) || hz <= 0) throw new Error(`getconf CLK_TCK printed "${out.trim()}", not a tick rate`);
  cachedHz = hz;
  return hz;
}

/** Converts a tick count to microseconds. */
export function ticksToMicros(ticks: number, hz: number): number {
  return (ticks * 1e6) / hz;
}
