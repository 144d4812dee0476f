import type { ConfigurationSummaryLike } from './benchmark.js';
import { pairedMedian } from './stats.js';

/**
 * Goals that compare two rows of one run, round by round (stats.ts:
 * pairedMedian): what observability or hop authentication costs is a few
 * percent of a request, less than the drift between rounds on a shared machine.
 */

/** Which CPU figure of a row: the whole row, or one measured process of it (by name). */
export interface CpuOf {
  readonly row: string;
  readonly process?: string;
}

function cpuRounds(rows: readonly ConfigurationSummaryLike[], of: CpuOf): (number | null)[] | undefined {
  const rounds = rows.find((r) => r.name === of.row)?.rounds;
  if (!rounds) return undefined;
  return rounds.map((s) =>
    of.process === undefined ? s.cpuUsPerRequest : (s.processes.find((p) => p.name === of.process)?.cpuUsPerRequest ?? null),
  );
}

function paired(rows: readonly ConfigurationSummaryLike[], a: CpuOf, b: CpuOf, compare: (x: number, y: number) => number | null): number | null {
  const x = cpuRounds(rows, a);
  const y = cpuRounds(rows, b);
  return x && y ? pairedMedian(x, y, compare) : null;
}

/** Median over rounds of a's CPU µs/req ÷ b's; null when a row is missing or has no known round. */
export function pairedCpuRatio(rows: readonly ConfigurationSummaryLike[], a: CpuOf, b: CpuOf): number | null {
  return paired(rows, a, b, (x, y) => (y === 0 ? null : x / y));
}

/** Median over rounds of a's CPU µs/req − b's. */
export function pairedCpuDifference(rows: readonly ConfigurationSummaryLike[], a: CpuOf, b: CpuOf): number | null {
  return paired(rows, a, b, (x, y) => x - y);
}
