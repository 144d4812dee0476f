import type { DrillSummary, RunReport } from './report-types.js';
import { quantile } from '../bench/stats.js';

function stats(values: readonly number[]): { p50: number | null; p99: number | null; max: number | null } {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] as number };
}

/** RTO and write pause p50/p99 and the checks' totals across the runs of one scenario. */
export function summarize(scenario: string, runs: readonly RunReport[]): DrillSummary {
  const done = runs.filter((r) => r.status !== 'skipped');
  // Only runs whose fault was injected measured a recovery.
  const rtos = done.filter((r) => r.fault).map((r) => r.recovery.rtoMs);
  const violations: Record<string, number> = {};
  for (const r of done) for (const [c, n] of Object.entries(r.checks?.counts ?? {})) violations[c] = (violations[c] ?? 0) + n;
  return {
    scenario,
    runs: runs.length,
    passed: runs.filter((r) => r.status === 'passed').length,
    failed: runs.filter((r) => r.status === 'failed').length,
    skipped: runs.filter((r) => r.status === 'skipped').length,
    rtoMs: { ...stats(rtos.filter((x): x is number => x !== null)), unrecovered: rtos.filter((x) => x === null).length, values: rtos },
    writePauseMs: stats(done.filter((r) => r.fault).map((r) => r.recovery.writePauseMs)),
    lastFailedSentMs: stats(done.map((r) => r.recovery.lastFailedSentMs).filter((x): x is number => x !== null && x !== undefined)),
    publishedMs: stats(done.map((r) => r.recovery.publishedMs).filter((x): x is number => x !== null && x !== undefined)),
    violations,
    ackedWrites: done.reduce((n, r) => n + (r.checks?.stats.writes.ok ?? 0), 0),
    failovers: done.reduce((n, r) => n + r.failovers.length, 0),
  };
}

/** Where a cut-off region's users went (partition-region), as one line; empty otherwise. */
function cutOffLine(r: RunReport): string {
  const c = r.cutOffUsers;
  if (!c) return '';
  const via = Object.entries(c.via).map(([region, n]) => `${region} ${n}`).join(', ') || 'none';
  return (
    `  users of ${c.region} while it was cut off (${c.toMs - c.fromMs} ms, ${c.users} users): ops via ${via}; ` +
    `reads ok ${c.reads.ok} (stale-fallback ${c.reads.staleFallback}) / fail ${c.reads.fail} / unknown ${c.reads.unknown}; ` +
    `writes ok ${c.writes.ok} / fail ${c.writes.fail} / unknown ${c.writes.unknown}\n`
  );
}

/** A few lines for the terminal. */
export function summaryText(s: DrillSummary, runs: readonly RunReport[]): string {
  const lines = runs.map((r) => {
    if (r.status === 'skipped') return `run ${r.run} seed ${r.seed}: SKIPPED (${r.reason})`;
    const c = r.checks;
    const found = Object.entries(c?.counts ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
    return (
      `run ${r.run} seed ${r.seed}: ${r.status.toUpperCase()}  ${r.fault?.description ?? r.reason ?? ''}\n` +
      `  RTO ${r.recovery.rtoMs ?? 'not recovered'} ms (last failed write sent at ${r.recovery.lastFailedSentMs ?? '-'} ms, leaders published at ${r.recovery.publishedMs ?? '-'} ms), write pause ${r.recovery.writePauseMs} ms, ${r.recovery.disruptedShards}/${r.fault?.affectedShards.length ?? 0} affected shards disrupted, ${r.failovers.length} failover(s)\n` +
      `  ${r.throughput.opsPerS} ops/s (${r.throughput.okWritesPerS} ok writes/s, ${r.throughput.okReadsPerS} ok reads/s), p99 ${r.throughput.p99Ms} ms; writes ok ${c?.stats.writes.ok ?? 0} / fail ${c?.stats.writes.fail ?? 0} / unknown ${c?.stats.writes.unknown ?? 0}\n` +
      `  errors: ${r.errors.slice(0, 5).map((e) => `${e.error} ×${e.count}`).join(', ') || 'none'}\n` +
      cutOffLine(r) +
      `  async loss: reported ${r.asyncLoss.reported}, measured ${r.asyncLoss.measured}; converged ${r.convergence?.converged} in ${r.convergence?.waitedMs} ms\n` +
      `  violations: ${found}`
    );
  });
  const f = (v: number | null) => (v === null ? '-' : `${v} ms`);
  lines.push(
    `${s.scenario}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped of ${s.runs}; RTO p50 ${f(s.rtoMs.p50)} p99 ${f(s.rtoMs.p99)} max ${f(s.rtoMs.max)}` +
      `${s.rtoMs.unrecovered ? ` (${s.rtoMs.unrecovered} not recovered)` : ''}; last failed write sent p50 ${f(s.lastFailedSentMs.p50)} p99 ${f(s.lastFailedSentMs.p99)}; ` +
      `leaders published p50 ${f(s.publishedMs.p50)} p99 ${f(s.publishedMs.p99)}; write pause p50 ${f(s.writePauseMs.p50)} p99 ${f(s.writePauseMs.p99)}; ` +
      `${s.ackedWrites} acknowledged writes; violations ${JSON.stringify(s.violations)}`,
  );
  return lines.join('\n');
}
