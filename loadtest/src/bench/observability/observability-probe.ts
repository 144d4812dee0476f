import { type BatchCost, type PairedBatchPlan, pairedBatches } from '@setgate/gateway/bench/paired-batches';
import { startRedisServer } from '@setgate/process-supervisor';
import { type ConfigurationSummaryLike, type GoalCheck, goal } from '../benchmark.js';
import { type OtlpSink, startOtlpSink } from '../otlp-sink.js';
import { pairedCpuRatio } from '../paired.js';
import { type CoupledBatchFigures, coupledBatchFigures, medianOfKnown } from '../stats.js';
import { pairedDifferenceCells, renderColumns } from '../table.js';
import type { ProbeSubject } from './probe-protocol.js';
import { startProbeProcess } from './probe-process.js';
import { NO_OBSERVABILITY, TRACED_RATIO, TRACED_SAMPLER, tracedEnv } from './settings.js';

/**
 * What the probe compares: a chain (probe-main.ts) built with `a`'s settings against the same chain with `b`'s.
 * - `gateway`, `path`: metrics and sampled tracing exported (as the traced rows) against OTEL_SDK_DISABLED;
 * - `gateway-metrics-only`: metrics on (scraped, not pushed) and no span exporter against off: tracing's share
 *   is `gateway` − this;
 * - `gateway-a-a`, `path-a-a`: off against off, the instrument's own check (its difference should hold 0 in
 *   its interval).
 */
export type ObservabilityComparison = 'gateway' | 'path' | 'gateway-metrics-only' | 'gateway-a-a' | 'path-a-a';

const COMPARISONS: Readonly<Record<ObservabilityComparison, { chain: ProbeSubject; a: 'traced' | 'metrics' | 'off' }>> = {
  gateway: { chain: 'gateway', a: 'traced' },
  path: { chain: 'path', a: 'traced' },
  'gateway-metrics-only': { chain: 'gateway', a: 'metrics' },
  'gateway-a-a': { chain: 'gateway', a: 'off' },
  'path-a-a': { chain: 'path', a: 'off' },
};

/**
 * One comparison: CPU µs per request of each build (client included) and their paired difference; and the
 * paired difference by the clock, which also holds waits (Redis) and time the host gave to others.
 */
export interface ObservabilityCost extends Omit<CoupledBatchFigures, 'aUs' | 'bUs'> {
  readonly subject: ObservabilityComparison;
  readonly onUs: number;
  readonly offUs: number;
  readonly elapsedDifferenceUs: number;
  readonly perBatch: number;
  readonly warmUpRequests: number;
}

export interface ObservabilityProbeResult {
  readonly benchmark: 'observability';
  readonly description: string;
  readonly sampler: string;
  readonly ratio: string;
  readonly subjects: readonly ObservabilityCost[];
  /** What the OTLP sink received from the builds with tracing on: spans and metrics really left. */
  readonly exportsReceived: { requests: number; bytes: number };
}

/** How each comparison is run (gateway/bench/paired-batches.ts). */
export const PROBE_PLAN: Required<PairedBatchPlan> = {
  /** A few hundred requests: a scavenge is spread thin and a pair still sees the same host. */
  perBatch: 300,
  /**
   * Each process has its own luck: twin processes read up to ~20% apart over a whole run. Six couples
   * spread it over both sides, and the interval is taken over couples (stats.ts: coupledBatchFigures).
   */
  couples: 6,
  /**
   * A process with 1% of its requests sampled meets the recorded span's code paths once a hundred
   * requests, and V8 deoptimises and recompiles for each new one for its first ~15,000 requests (over
   * 100 deoptimisations between its 6,000th and 18,000th, against 40–60 at ratio 0; a few after).
   * Measured inside that window, 1% tracing read 40–160 µs a request; a process serving traffic for hours
   * is long past it.
   */
  warmUpRequests: 20_000,
};
/** Issue 14's budget: observability costs at most this share of a request's CPU. */
export const OBSERVABILITY_BUDGET = 0.1;
/** How many pairs the gateway and path benchmarks run the probe with, during their setup. */
export const OBSERVABILITY_PAIRS_IN_BENCH = 120;

const DESCRIPTION =
  'the chain a profile read takes, built in two processes, each with its client: metrics and sampled tracing exported vs OTEL_SDK_DISABLED, access lines in both (observability/probe-main.ts)';

/** The environment of a build: this one's, without its OpenTelemetry settings, plus the build's own. */
function buildEnv(a: 'traced' | 'metrics' | 'off', sinkUrl: string): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return { ...base, ...(a === 'traced' ? tracedEnv(sinkUrl) : a === 'off' ? NO_OBSERVABILITY : {}) };
}

/**
 * `npm run bench -- observability`: for each comparison, the two builds run in processes of their own
 * (probe-process.ts), sharing one redis-server, and take turns sending `pairs` alternating batches, spread
 * over `plan.couples` couples of processes, each warmed up first (gateway/bench/paired-batches.ts). Spans
 * and metrics are exported to an OTLP sink in this process, sampled as the traced rows are (settings.ts). The gateway benchmark asks for the
 * `gateway` comparison, the path benchmark for `path`.
 */
export async function runObservabilityProbe(
  pairs: number,
  signal: AbortSignal,
  comparisons: readonly ObservabilityComparison[] = ['gateway', 'path', 'gateway-metrics-only', 'gateway-a-a', 'path-a-a'],
  plan: Required<PairedBatchPlan> = PROBE_PLAN,
): Promise<ObservabilityProbeResult> {
  const sink: OtlpSink = await startOtlpSink();
  const redis = await startRedisServer();
  try {
    const subjects: ObservabilityCost[] = [];
    for (const subject of comparisons) {
      const { chain, a } = COMPARISONS[subject];
      const build = (isA: boolean) => startProbeProcess(chain, redis.url, buildEnv(isA ? a : 'off', sink.url), signal);
      const couples = await pairedBatches(build, pairs, plan);
      const of = (key: keyof BatchCost) => couples.map((c) => ({ a: c.a.map((x) => x[key]), b: c.b.map((x) => x[key]) }));
      const { aUs, bUs, ...difference } = coupledBatchFigures(of('cpuUs'));
      const elapsed = coupledBatchFigures(of('elapsedUs'));
      subjects.push({ subject, onUs: aUs, offUs: bUs, ...difference, elapsedDifferenceUs: elapsed.differenceUs, perBatch: plan.perBatch, warmUpRequests: plan.warmUpRequests });
    }
    return { benchmark: 'observability', description: DESCRIPTION, sampler: TRACED_SAMPLER, ratio: TRACED_RATIO, subjects, exportsReceived: sink.received() };
  } finally {
    await redis.kill();
    await sink.close();
  }
}

/** The probe's table: per subject, the per-request figures (client included), the difference, its interval and spread. */
export function formatObservabilityTable(r: ObservabilityProbeResult): string {
  const rows = r.subjects.map((c) => [
    c.subject,
    c.onUs.toFixed(1),
    c.offUs.toFixed(1),
    ...pairedDifferenceCells(c),
    `${Math.min(...c.coupleDifferencesUs).toFixed(1)} … ${Math.max(...c.coupleDifferencesUs).toFixed(1)}`,
    c.elapsedDifferenceUs.toFixed(1),
  ]);
  const table = renderColumns(
    ['subject', 'on CPU µs/req', 'off CPU µs/req', 'difference µs', '95% interval', 'pairs p10 … p90', 'couples', 'by the clock µs'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const first = r.subjects[0];
  return [
    `observability: ${r.description}`,
    first
      ? `${first.pairs} pairs of batches × ${first.perBatch} requests per subject over ${first.coupleDifferencesUs.length} couples of processes, each warmed up with ${first.warmUpRequests} requests; each build's process CPU time per request (client included: the difference cancels it), medians; the difference is the mean of the couples' median differences, its interval a t-interval over couples; the last column is the difference by the clock (waits on Redis and the host's other work included), not judged`
      : '',
    `tracing: ${r.sampler} ${r.ratio}; the sink received ${r.exportsReceived.requests} exports (${r.exportsReceived.bytes} bytes)`,
    "gateway: client → gateway → node; path: client → regional proxy → gateway → node; gateway-metrics-only: the gateway chain, metrics only (scraped, not pushed), no span exporter; *-a-a: off against off, the instrument's own check",
    '',
    table,
    '',
  ].join('\n');
}

/**
 * The goal a process benchmark prints from the probe it ran during setup (`details.observability`):
 * the top of the subject's paired difference's 95% interval ÷ the `offRow`'s CPU µs per request (median
 * over rounds), the share of a request's CPU that metrics and tracing take. None when the probe did not run.
 */
export function observabilityGoal(
  rows: readonly ConfigurationSummaryLike[],
  details: Readonly<Record<string, unknown>> | undefined,
  subject: ObservabilityComparison,
  offRow: string,
): GoalCheck[] {
  const c = (details?.observability as readonly ObservabilityCost[] | undefined)?.find((x) => x.subject === subject);
  if (!c) return [];
  const off = medianOfKnown(rows.find((r) => r.name === offRow)?.rounds?.map((s) => s.cpuUsPerRequest) ?? []);
  const top = c.differenceCi95Us[1];
  const name = `observability: ${c.differenceUs.toFixed(1)} µs/req (top of 95% interval ${top.toFixed(1)}) over ${c.pairs} probe pairs ÷ ${offRow} ${off === null ? '?' : off.toFixed(0)} µs/req`;
  return [goal(name, off === null || off === 0 ? null : top / off, 'at-most', OBSERVABILITY_BUDGET)];
}

/**
 * The rows' goal a process benchmark prints: `traced` ÷ `off`, CPU µs per request, the median of the
 * round-by-round ratios (paired.ts), within the budget. None unless both rows ran.
 */
export function observabilityRowGoal(rows: readonly ConfigurationSummaryLike[], traced: string, off: string): GoalCheck[] {
  if (!rows.some((r) => r.name === traced) || !rows.some((r) => r.name === off)) return [];
  const name = `observability: ${traced} ÷ ${off}, CPU µs/req, median of per-round ratios`;
  return [goal(name, pairedCpuRatio(rows, { row: traced }, { row: off }), 'at-most', 1 + OBSERVABILITY_BUDGET)];
}
