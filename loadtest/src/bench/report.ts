import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { BenchResult } from './runner.js';

/** The machine a result was measured on: numbers only compare on like machines. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  readonly platform: string;
  readonly arch: string;
  readonly node: string;
  /** ISO 8601 time the report was made. */
  readonly date: string;
  /** The exact command line, runtime flags included. */
  readonly command: readonly string[];
}

/** The JSON report: the result plus where and how it was produced. */
export interface BenchReport extends BenchResult {
  readonly machine: MachineInfo;
}

/** Facts about this machine and process. */
export function machineInfo(now = new Date()): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    date: now.toISOString(),
    command: [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
  };
}

/** Adds machine facts to a result. */
export function buildReport(result: BenchResult, machine: MachineInfo = machineInfo()): BenchReport {
  return { ...result, machine };
}

/** Writes a report (a load benchmark's, or the idle probe's) as indented JSON. */
export function writeReport(path: string, report: { readonly machine: MachineInfo }): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
