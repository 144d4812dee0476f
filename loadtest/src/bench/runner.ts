import type { Benchmark, BenchSetup, GoalCheck, LatencyExpectation, MeasuredProcess } from './benchmark.js';
import { drive } from './drive.js';
import { type MeasuredSample, measuredRun } from './measure.js';
import { type BenchOptions, BenchUsageError } from './options.js';
import { preflight } from './preflight.js';
import { clockTicksPerSecond } from './proc-cpu.js';
import { type ConfigurationSummary, summarize } from './summary.js';

/** How the caller steers and watches a run. */
export interface RunHooks {
  /** Abort (Ctrl-C) ends the current load run and stops everything started. */
  readonly signal: AbortSignal;
  log(line: string): void;
}

/** The outcome of one benchmark run, before any machine or command-line facts are added. */
export interface BenchResult {
  readonly benchmark: string;
  readonly description: string;
  readonly baseline: string;
  readonly options: Omit<BenchOptions, 'name' | 'jsonPath'>;
  /** The kernel's clock tick rate the CPU figures were converted with. */
  readonly clockTicksPerSecond: number;
  readonly configurations: readonly ConfigurationSummary[];
  readonly details: Readonly<Record<string, unknown>>;
  /** The benchmark's goals checked on this run's rows; empty when it declares none. */
  readonly goals: readonly GoalCheck[];
}

/** Thrown when the run was interrupted; everything started has been stopped by then. */
export class BenchAbortedError extends Error {
  constructor() {
    super('benchmark interrupted');
    this.name = 'BenchAbortedError';
  }
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new BenchAbortedError();
}

function checkDeclaration(b: Benchmark): void {
  const names = b.configurations.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new Error(`benchmark ${b.name}: configuration names repeat: ${names.join(', ')}`);
  if (!names.includes(b.baseline)) throw new Error(`benchmark ${b.name}: baseline ${b.baseline} is not one of ${names.join(', ')}`);
}

/** `--only` names rows of this benchmark; the baseline is always measured. */
function checkOnly(b: Benchmark, only: readonly string[] | undefined): void {
  const names = b.configurations.map((c) => c.name);
  const unknown = (only ?? []).filter((r) => !names.includes(r));
  if (unknown.length > 0) throw new BenchUsageError(`--only: ${unknown.join(', ')} is not a row of ${b.name} (rows: ${names.join(', ')})`);
}

function targetsOf(b: Benchmark, setup: BenchSetup, only: readonly string[] | undefined) {
  return b.configurations.flatMap((c) => {
    if (only && c.name !== b.baseline && !only.includes(c.name)) return [];
    const target = setup.targets[c.name];
    if (!target && c.optional) return [];
    if (!target) throw new Error(`benchmark ${b.name}: setup returned no target for configuration ${c.name}`);
    return [{ name: c.name, target }];
  });
}

/** The configurations in the order round `round` (from 1) runs them: odd rounds as declared, even ones reversed. */
export function roundOrder<T>(targets: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? targets : [...targets].reverse();
}

/**
 * Runs a benchmark: setup, one preflight request per configuration, an
 * uncounted warm-up, then `rounds` counted rounds with the configurations
 * interleaved so machine drift hits all alike, every other round in reverse
 * order (A B C, C B A, A B C …) so no configuration always runs right after
 * the same one (a run's tail — GC, log flushes, timers — lands in the next
 * one's window). Whatever the benchmark started is stopped before this
 * returns or throws.
 */
export async function runBenchmark(benchmark: Benchmark, options: BenchOptions, hooks: RunHooks): Promise<BenchResult> {
  checkDeclaration(benchmark);
  checkOnly(benchmark, options.only);
  const hz = clockTicksPerSecond(); // fail before starting anything if CPU time cannot be read
  const { signal, log } = hooks;
  checkAborted(signal);
  log(`${benchmark.name}: starting ${benchmark.configurations.map((c) => c.name).join(', ')}`);
  const setup = await benchmark.setup({
    signal,
    log,
    connections: options.connections,
    ...(options.wan ? { wan: true } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  });
  const samples = new Map<string, MeasuredSample[]>();
  const measured: Record<string, readonly MeasuredProcess[]> = {};
  const expectations: Record<string, LatencyExpectation> = {};
  const connections: Record<string, number> = {};
  const latencyOf: Record<string, 'all' | 'ok'> = {};
  try {
    const targets = targetsOf(benchmark, setup, options.only);
    for (const { name, target } of targets) {
      checkAborted(signal);
      measured[name] = target.measured;
      if (target.expect) expectations[name] = target.expect;
      connections[name] = target.connections ?? options.connections;
      latencyOf[name] = target.latencyOf ?? 'all';
      await preflight(name, target.request, target.expectStatus);
    }
    const limits = (name: string) => ({
      connections: connections[name] ?? options.connections,
      latencyOf: latencyOf[name] ?? 'all',
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      signal,
    });
    if (options.warmupSec > 0) {
      for (const { name, target } of targets) {
        checkAborted(signal);
        log(`warm-up ${name} (${options.warmupSec}s, not counted)`);
        await drive(target.request, { ...limits(name), durationSec: options.warmupSec });
      }
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const { name, target } of roundOrder(targets, round)) {
        checkAborted(signal);
        const sample = await measuredRun(target, { ...limits(name), durationSec: options.durationSec }, hz);
        checkAborted(signal); // a run cut short by Ctrl-C is not a sample
        samples.set(name, [...(samples.get(name) ?? []), sample]);
        log(
          `round ${round}/${options.rounds} ${name}: ${Math.round(sample.reqPerSec)} req/s, p50 ${sample.p50Ms} ms, ` +
            `${sample.cpuUsPerRequest === null ? '-' : sample.cpuUsPerRequest.toFixed(1)} CPU µs/req, ` +
            `${sample.errors} errors, ${sample.non2xx} non-2xx${sample.non2xx > 0 ? ` ${JSON.stringify(sample.statuses)}` : ''}`,
        );
      }
    }
  } finally {
    log(`${benchmark.name}: stopping`);
    await setup.stop();
  }
  const { name: _name, jsonPath: _json, ...runOptions } = options;
  const configurations = summarize(
    benchmark.configurations.filter((c) => c.name in measured),
    benchmark.baseline,
    measured,
    samples,
    { expectations, connections },
  );
  return {
    benchmark: benchmark.name,
    description: benchmark.description,
    baseline: benchmark.baseline,
    options: runOptions,
    clockTicksPerSecond: hz,
    configurations,
    details: setup.details ?? {},
    goals: benchmark.goals?.(configurations, setup.details ?? {}) ?? [],
  };
}
