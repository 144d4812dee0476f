// @ts-check
import { summaryDir } from './env.js';
import { PRIORITIES } from './commands.js';

/**
 * The end-of-test data k6 passes to handleSummary (the parts used here;
 * @types/k6 does not declare it).
 * @typedef {object} SummaryMetric
 * @property {string} type counter | gauge | rate | trend
 * @property {Record<string, number>} values
 * @property {Record<string, { ok: boolean }>} [thresholds]
 *
 * @typedef {object} SummaryData
 * @property {Record<string, SummaryMetric>} metrics
 * @property {{ testRunDurationMs: number }} state
 */

/**
 * Report-only entries: an empty threshold list makes k6 keep the tagged
 * sub-metric, so the summary (and the JSON) shows it per priority without
 * judging it.
 * @param {string[]} metricNames
 * @returns {Record<string, string[]>}
 */
export function perPriority(metricNames) {
  /** @type {Record<string, string[]>} */
  const out = {};
  for (const m of metricNames) for (const p of PRIORITIES) out[`${m}{priority:${p}}`] = [];
  return out;
}

/**
 * handleSummary for a script: writes `<dir>/<script>-summary.json` holding the
 * verdict, the failed thresholds, setgate's figures by priority, and k6's whole
 * summary data; prints a short verdict to stdout.
 * @param {string} script
 * @param {(data: SummaryData) => Record<string, unknown>} [extra] script-specific figures
 * @returns {(data: SummaryData) => Record<string, string>}
 */
export function summaryWriter(script, extra) {
  return (data) => {
    const failed = failedThresholds(data);
    const value = (/** @type {string} */ name, /** @type {string} */ stat) => data.metrics[name]?.values[stat];
    const byPriority = priorityFigures(data);
    const report = {
      script,
      passed: failed.length === 0,
      failedThresholds: failed,
      testRunDurationMs: data.state.testRunDurationMs,
      requests: value('http_reqs', 'count') ?? 0,
      reqPerSec: value('http_reqs', 'rate'),
      p99Ms: value('http_req_duration', 'p(99)'),
      served: value('setgate_ok', 'rate'),
      ackedWrites: value('setgate_acked_writes', 'count') ?? 0,
      idempotentReplays: value('setgate_idempotent_replays', 'count') ?? 0,
      rywViolations: value('setgate_ryw_violations', 'count') ?? 0,
      duplicateAppends: value('setgate_duplicate_appends', 'count') ?? 0,
      byPriority,
      ...(extra ? extra(data) : {}),
      k6: data,
    };
    const lines = [
      `${script}: ${report.passed ? 'PASSED' : 'FAILED'} in ${(report.testRunDurationMs / 1000).toFixed(1)} s, ${report.requests} requests, served ${pct(report.served)}`,
      ...PRIORITIES.map((p) => `  ${p.padEnd(8)} served ${pct(byPriority[p]?.served)}  429 ${pct(byPriority[p]?.rateLimited)}  503 ${pct(byPriority[p]?.shed)}`),
      `  acked writes ${report.ackedWrites}, read-your-writes violations ${report.rywViolations}, duplicate appends ${report.duplicateAppends}`,
      ...failed.map((f) => `  threshold failed: ${f}`),
      '',
    ];
    return {
      [`${summaryDir}/${script}-summary.json`]: JSON.stringify(report, null, 2),
      stdout: lines.join('\n'),
    };
  };
}

/**
 * Every threshold that failed, as `metric: expression`.
 * @param {SummaryData} data
 * @returns {string[]}
 */
function failedThresholds(data) {
  /** @type {string[]} */
  const failed = [];
  for (const [name, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds ?? {})) if (!t.ok) failed.push(`${name}: ${expr}`);
  }
  return failed;
}

/**
 * Served, 429 and 503 shares and request counts per priority (from the perPriority sub-metrics).
 * @param {SummaryData} data
 * @returns {Record<string, Record<string, number | undefined>>}
 */
function priorityFigures(data) {
  /** @type {Record<string, Record<string, number | undefined>>} */
  const out = {};
  for (const p of PRIORITIES) {
    const ok = data.metrics[`setgate_ok{priority:${p}}`]?.values;
    out[p] = {
      requests: ok ? (ok.passes ?? 0) + (ok.fails ?? 0) : undefined,
      served: ok?.rate,
      rateLimited: data.metrics[`setgate_rate_limited{priority:${p}}`]?.values.rate,
      shed: data.metrics[`setgate_shed{priority:${p}}`]?.values.rate,
    };
  }
  return out;
}

/** @param {number | undefined} rate */
const pct = (rate) => (rate === undefined ? '-' : `${(rate * 100).toFixed(2)}%`);
