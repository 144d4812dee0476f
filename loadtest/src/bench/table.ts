import type { BenchResult } from './runner.js';
import type { PairedBatchFigures } from './stats.js';
import type { ConfigurationSummary } from './summary.js';

type Align = 'left' | 'right';

/** Lays rows out in aligned columns separated by two spaces. */
export function renderColumns(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A figure for the table: `-` when unknown, fixed decimals otherwise. */
/** A probe's paired difference as table cells: the median, its 95% interval, and the pairs' p10 … p90. */
export function pairedDifferenceCells(f: Omit<PairedBatchFigures, 'aUs' | 'bUs'>): string[] {
  return [
    f.differenceUs.toFixed(2),
    `${f.differenceCi95Us[0].toFixed(2)} … ${f.differenceCi95Us[1].toFixed(2)}`,
    `${f.differenceP10Us.toFixed(1)} … ${f.differenceP90Us.toFixed(1)}`,
  ];
}

export function formatFigure(value: number | null, decimals: number): string {
  return value === null ? '-' : value.toFixed(decimals);
}

/** A ratio to the baseline, e.g. `0.52×`; `-` when none is meaningful. */
export function formatRatio(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(2)}×`;
}

function row(c: ConfigurationSummary): string[] {
  const f = c.figures;
  const r = c.ratios;
  return [
    c.baseline ? `${c.name} (baseline)` : c.name,
    formatFigure(f.reqPerSec, 0),
    formatRatio(r.reqPerSec),
    formatFigure(f.p50Ms, 1),
    formatRatio(r.p50Ms),
    formatFigure(f.p99Ms, 1),
    formatRatio(r.p99Ms),
    formatFigure(f.cpuUsPerRequest, 1),
    formatRatio(r.cpuUsPerRequest),
    String(f.errors),
    String(f.non2xx),
  ];
}

const HEADER = ['configuration', 'req/s', '× base', 'p50 ms', '× base', 'p99 ms', '× base', 'CPU µs/req', '× base', 'errors', 'non-2xx'];
const ALIGN: Align[] = ['left', ...HEADER.slice(1).map((): Align => 'right')];

/** The per-process CPU breakdown: who pays what share of each configuration's µs/req. */
function processLines(configs: readonly ConfigurationSummary[]): string {
  const rows = configs.flatMap((c) =>
    c.processes.map((p, i) => [i === 0 ? c.name : '', `${p.name} (pid ${p.pid})`, formatFigure(p.cpuUsPerRequest, 1)]),
  );
  return renderColumns(['configuration', 'process', 'CPU µs/req'], rows, ['left', 'left', 'right']);
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)}`;
}

/** Latency rows: what each adds to the row without what it prices, against what the topology predicts. */
function latencyLines(configs: readonly ConfigurationSummary[]): string[] {
  const priced = configs.filter((c) => c.latency);
  if (priced.length === 0) return [];
  const rows = priced.map((c) => {
    const l = c.latency as NonNullable<ConfigurationSummary['latency']>;
    return [c.name, formatFigure(c.figures.p50Ms, 1), l.over, signed(l.addedMs), `${l.addsMs.toFixed(1)} (${l.why})`, signed(l.beyondMs)];
  });
  return [
    '',
    'Latency added (p50, median over rounds) against what the topology predicts:',
    renderColumns(['configuration', 'p50 ms', 'over', 'added ms', 'predicted ms', 'beyond ms'], rows, ['left', 'right', 'left', 'right', 'left', 'right']),
  ];
}

/** Rows that ran with their own connection count instead of `--connections`. */
function ownConnections(result: BenchResult): string[] {
  const own = result.configurations.filter((c) => c.connections !== undefined && c.connections !== result.options.connections);
  return own.length === 0 ? [] : [`own connection count: ${own.map((c) => `${c.name} ${c.connections}`).join(', ')}`];
}

/** The benchmark's goals: each ratio, its bound, and whether this run met it. */
function goalLines(result: BenchResult): string[] {
  if (result.goals.length === 0) return [];
  const us = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} µs`);
  const rows = result.goals.map((g) => {
    const [value, limit] = g.unit === 'us' ? [us(g.value), us(g.limit)] : [formatRatio(g.value), `${g.limit}×`];
    return [g.name, value, `${g.bound === 'at-most' ? '≤' : '≥'} ${limit}`, g.met ? 'met' : 'NOT met'];
  });
  return ['', 'Goals (measured side by side in this run):', renderColumns(['goal', 'measured', 'goal', ''], rows, ['left', 'right', 'right', 'left'])];
}

/**
 * The human-readable report: one row per configuration with each figure and
 * its ratio to the baseline, then the per-process CPU breakdown, then what
 * latency rows add against their prediction.
 */
export function formatResultTable(result: BenchResult): string {
  const o = result.options;
  const lines = [
    `${result.benchmark}: ${result.description}`,
    `${o.rounds} interleaved round(s) × ${o.durationSec}s, ${o.connections} connections, ` +
      `${o.rate === undefined ? '' : `${o.rate} req/s offered, `}${o.warmupSec}s warm-up; ` +
      `medians over rounds (errors and non-2xx summed); ratios against ${result.baseline}`,
    ...ownConnections(result),
    '',
    renderColumns(HEADER, result.configurations.map(row), ALIGN),
    '',
    'CPU per request by measured process (median over rounds):',
    processLines(result.configurations),
    ...latencyLines(result.configurations),
    ...goalLines(result),
  ];
  return `${lines.join('\n')}\n`;
}
