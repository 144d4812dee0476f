import { pairedBatches } from '@setgate/gateway/bench/paired-batches';
import { startRedisServer } from '@setgate/process-supervisor';
import { type ConfigurationSummaryLike, type GoalCheck, goal } from '../benchmark.js';
import { type OtlpSink, startOtlpSink } from '../otlp-sink.js';
import { pairedCpuRatio } from '../paired.js';
import { medianOfKnown, type PairedBatchFigures, pairedBatchFigures } from '../stats.js';
import { pairedDifferenceCells, renderColumns } from '../table.js';
import type { ProbeSubject } from './probe-protocol.js';
import { startProbeProcess } from './probe-process.js';
import { NO_OBSERVABILITY, TRACED_RATIO, TRACED_SAMPLER, tracedEnv } from './settings.js';

/**
 * What the probe compares: a chain (probe-main.ts) built with `a`'s settings against the same chain with `b`'s.
 * - `gateway`, `path`: metrics and sampled tracing exported (as the traced rows) against OTEL_SDK_DISABLED;
 * - `gateway-metrics-only`: metrics on (scraped, not pushed) and no span exporter against off: tracing's share
 *   is `gateway` − this;
 * - `gateway-a-a`: off against off, the instrument's own check (its difference should hold 0 in its interval).
 */
export type ObservabilityComparison = 'gateway' | 'path' | 'gateway-metrics-only' | 'gateway-a-a';

const COMPARISONS: Readonly<Record<ObservabilityComparison, { chain: ProbeSubject; a: 'traced' | 'metrics' | 'off' }>> = {
  gateway: { chain: 'gateway', a: 'traced' },
  path: { chain: 'path', a: 'traced' },
  'gateway-metrics-only': { chain: 'gateway', a: 'metrics' },
  'gateway-a-a': { chain: 'gateway', a: 'off' },
};

/** One comparison: µs per request of each build (client included) and their paired difference. */
export interface ObservabilityCost extends Omit<PairedBatchFigures, 'aUs' | 'bUs'> {
  readonly subject: ObservabilityComparison;
  readonly onUs: number;
  readonly offUs: number;
  readonly perBatch: number;
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

/** Requests per batch: a few hundred, so a scavenge is spread thin and a pair still sees the same host. */
const PER_BATCH = 300;
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
 * (probe-process.ts), sharing one redis-server, and take turns sending `pairs` alternating batches
 * (gateway/bench/paired-batches.ts: both start orders pooled). Spans and metrics are exported to an OTLP
 * sink in this process, sampled as the traced rows are (settings.ts). The gateway benchmark asks for the
 * `gateway` comparison, the path benchmark for `path`.
 */
export async function runObservabilityProbe(
  pairs: number,
  signal: AbortSignal,
  comparisons: readonly ObservabilityComparison[] = ['gateway', 'path', 'gateway-metrics-only', 'gateway-a-a'],
): Promise<ObservabilityProbeResult> {
  const sink: OtlpSink = await startOtlpSink();
  const redis = await startRedisServer();
  try {
    const subjects: ObservabilityCost[] = [];
    for (const subject of comparisons) {
      const { chain, a } = COMPARISONS[subject];
      const build = (isA: boolean) => startProbeProcess(chain, redis.url, buildEnv(isA ? a : 'off', sink.url), signal);
      const run = await pairedBatches(build, pairs, PER_BATCH);
      const { aUs, bUs, ...difference } = pairedBatchFigures(run.a, run.b);
      subjects.push({ subject, onUs: aUs, offUs: bUs, ...difference, perBatch: PER_BATCH });
    }
    return { benchmark: 'observability', description: DESCRIPTION, sampler: TRACED_SAMPLER, ratio: TRACED_RATIO, subjects, exportsReceived: sink.received() };
  } finally {
    await redis.kill();
    await sink.close();
  }
}

/** The probe's table: per subject, the per-request figures (client included), the paired difference and its spread. */
export function formatObservabilityTable(r: ObservabilityProbeResult): string {
  const rows = r.subjects.map((c) => [
    c.subject,
    c.onUs.toFixed(1),
    c.offUs.toFixed(1),
    ...pairedDifferenceCells(c),
  ]);
  const table = renderColumns(
    ['subject', 'on µs/req', 'off µs/req', 'paired difference µs', '95% interval', 'pairs p10 … p90'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  const first = r.subjects[0];
  return [
    `observability: ${r.description}`,
    first
      ? `${first.pairs} pairs of batches × ${first.perBatch} requests per subject, alternating; medians; per-request figures include the client's share, which the difference cancels`
      : '',
    `tracing: ${r.sampler} ${r.ratio}; the sink received ${r.exportsReceived.requests} exports (${r.exportsReceived.bytes} bytes)`,
    'gateway: client → gateway → node; path: client → regional proxy → gateway → node; gateway-metrics-only: the gateway chain, metrics only (scraped, not pushed), no span exporter; gateway-a-a: off against off, the instrument\'s own check',
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
