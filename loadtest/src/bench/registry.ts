import type { Benchmark } from './benchmark.js';
import { BenchUsageError } from './options.js';

/**
 * Every benchmark by name. Loaded lazily so one benchmark's dependencies (a
 * component still being written) cannot break the others' runs.
 */
const BENCHMARKS: Readonly<Record<string, () => Promise<Benchmark>>> = {
  path: async () => (await import('./benchmarks/path.js')).pathBenchmark,
  replication: async () => (await import('./benchmarks/replication.js')).replicationBenchmark,
  gateway: async () => (await import('./benchmarks/gateway.js')).gatewayBenchmark,
  'regional-proxy': async () => (await import('./benchmarks/regional-proxy.js')).regionalProxyBenchmark,
  config: async () => (await import('./benchmarks/config.js')).configBenchmark,
  wan: async () => (await import('./benchmarks/wan.js')).wanBenchmark,
  overload: async () => (await import('./benchmarks/overload.js')).overloadBenchmark,
};

/** The probe that sends no load (src/bench/idle/): run by the CLI itself, not by the load runner. */
export const IDLE = 'idle';

/** The in-process probe of the hop checks (src/bench/hop-check/): run by the CLI itself, not by the load runner. */
export const HOP_CHECK = 'hop-check';

/** The in-process probe of metrics and tracing (src/bench/observability/): run by the CLI itself, not by the load runner. */
export const OBSERVABILITY = 'observability';

/** The probes that pair batches of builds they make themselves, without a stack or the load runner: --rounds is their number of pairs. */
export const IN_PROCESS_PROBES: readonly string[] = [HOP_CHECK, OBSERVABILITY];

/** Registered names and the probes, sorted. */
export function benchmarkNames(): string[] {
  return [...Object.keys(BENCHMARKS), IDLE, ...IN_PROCESS_PROBES].sort();
}

/** The benchmark registered under `name`; a BenchUsageError listing the choices otherwise. */
export async function loadBenchmark(name: string): Promise<Benchmark> {
  const load = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!load) throw new BenchUsageError(`unknown benchmark "${name}"; choose one of: ${benchmarkNames().join(', ')}`);
  return load();
}
