import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HopCheckSamples } from '@setgate/gateway/bench/hop-check';
import { nodeArgsFor } from '@setgate/process-supervisor';
import { type GoalCheck, goal } from '../benchmark.js';
import { type PairedBatchFigures, pairedBatchFigures } from '../stats.js';
import { pairedDifferenceCells, renderColumns } from '../table.js';

/** One check: µs per request with the secret (a) and without (b), and their paired difference. */
export interface HopCheckCost extends Omit<PairedBatchFigures, 'aUs' | 'bUs'> {
  readonly check: HopCheckSamples['check'];
  readonly withSecretUs: number;
  readonly withoutSecretUs: number;
  readonly perBatch: number;
}

/** The figures of one check from its paired batches. */
export function hopCheckCost(s: HopCheckSamples): HopCheckCost {
  const { aUs, bUs, ...difference } = pairedBatchFigures(s.withSecretUs, s.withoutSecretUs);
  return { check: s.check, withSecretUs: aUs, withoutSecretUs: bUs, ...difference, perBatch: s.perBatch };
}

const SCRIPT = fileURLToPath(import.meta.resolve('@setgate/gateway/bench/hop-check'));
/** Requests per batch: long enough that a scavenge is spread thin, short enough that a pair sees the same host. */
const PER_BATCH = 500;

/** Issue 12's goal: authenticating a hop costs at most this much CPU per request. */
export const HOP_CHECK_GOAL_US = 5;

export interface HopCheckResult {
  readonly benchmark: 'hop-check';
  readonly description: string;
  readonly goalUs: number;
  readonly checks: readonly HopCheckCost[];
}

const DESCRIPTION = "each listener's hop check, with the secret and without, side by side in one process (gateway/bench/hop-check.ts)";

/**
 * `npm run bench -- hop-check`: runs gateway/bench/hop-check.ts in a process of its own (nothing else
 * of setgate runs) with `pairs` alternating batches per check, and reads its JSON answer.
 */
export async function runHopCheck(pairs: number, signal: AbortSignal): Promise<HopCheckResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [...nodeArgsFor(SCRIPT), SCRIPT, '--pairs', String(pairs), '--batch', String(PER_BATCH)], {
    signal,
    maxBuffer: 16 * 1024 * 1024,
  });
  // The listeners log their start as JSON lines too: the answer is the last line.
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  const samples = JSON.parse(last) as HopCheckSamples[];
  return { benchmark: 'hop-check', description: DESCRIPTION, goalUs: HOP_CHECK_GOAL_US, checks: samples.map(hopCheckCost) };
}

/** The probe's table: per check, the per-request figures, the paired difference and its spread, and the goal. */
export function formatHopCheckTable(r: HopCheckResult): string {
  const rows = r.checks.map((c) => [
    c.check,
    c.withSecretUs.toFixed(1),
    c.withoutSecretUs.toFixed(1),
    ...pairedDifferenceCells(c),
    // Judged by the interval's top: a median under the goal by luck is not enough.
    c.differenceCi95Us[1] <= r.goalUs ? 'met' : 'NOT met',
  ]);
  const table = renderColumns(
    ['check', 'with secret µs/req', 'without µs/req', 'paired difference µs', '95% interval', 'pairs p10 … p90', `goal ≤ ${r.goalUs} µs`],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const first = r.checks[0];
  return [
    `hop-check: ${r.description}`,
    first ? `${first.pairs} pairs of batches × ${first.perBatch} requests per check, alternating; medians; the goal is judged by the top of the difference's 95% interval` : '',
    '',
    table,
    '',
  ].join('\n');
}

/** How many pairs the gateway and path benchmarks run the probe with, during their setup. */
export const HOP_CHECK_PAIRS_IN_BENCH = 200;

/**
 * The goal a process benchmark prints for one listener's check, from the probe it ran during its
 * setup (`details.hopCheck`): judged by the top of the median difference's 95% interval. None when
 * the probe did not run.
 */
export function hopCheckGoal(details: Readonly<Record<string, unknown>> | undefined, check: HopCheckCost['check'], what: string): GoalCheck[] {
  const c = (details?.hopCheck as readonly HopCheckCost[] | undefined)?.find((x) => x.check === check);
  if (!c) return [];
  const name = `${what}: median ${c.differenceUs.toFixed(2)} µs over ${c.pairs} in-process pairs (hop-check), top of its 95% interval`;
  return [goal(name, c.differenceCi95Us[1], 'at-most', HOP_CHECK_GOAL_US, 'us')];
}
