// @ts-check
/**
 * A long moderate load: leaks, growing latency, replication lag that never
 * catches up and expiring credentials show over time. Requests are tagged by
 * window (first and last tenth of the run, `middle` between), so the summary
 * compares early and late latency.
 *
 *   k6 run -e SETGATE_JWT_SECRET=... -e DURATION=2h loadtest/k6/soak.js
 *
 * Env: RATE (50/s), DURATION (30m), MAX_LATE_P99_MS (500), plus lib/env.js. Self-signed
 * tokens are renewed at half their lifetime; a token file must outlive the run.
 */
import exec from 'k6/execution';
import { env, envNumber, targets } from './lib/env.js';
import { maxVus, usersOfVu } from './lib/partition.js';
import { newRunId } from './lib/scenarios.js';
import { Shopper } from './lib/shop.js';
import { perPriority, summaryWriter } from './lib/summary.js';
import { loadUsers } from './lib/tokens.js';

/**
 * @import { Options, Scenario } from 'k6/options'
 * @import { Mix } from './lib/shop.js'
 */

const RATE = envNumber('RATE', 50);
const DURATION = env('DURATION', '30m');

/** @type {Record<string, Scenario>} */
const scenarios = {
  soak: {
    executor: 'constant-arrival-rate',
    rate: RATE,
    timeUnit: '1s',
    duration: DURATION,
    preAllocatedVUs: Math.max(10, Math.ceil(RATE / 10)),
    maxVUs: Math.max(50, Math.ceil(RATE / 2)),
  },
};
const TOTAL_VUS = maxVus(scenarios);
const pool = loadUsers(envNumber('USERS', TOTAL_VUS * 10));
const MAX_LATE_P99_MS = envNumber('MAX_LATE_P99_MS', 500);

/** @type {Mix} */
const MIX = { profileGet: 35, profilePut: 10, cartGet: 20, cartSummary: 10, cartAddItem: 20, cartClear: 5 };

/** @type {Options} */
export const options = {
  scenarios,
  thresholds: {
    setgate_ok: ['rate>0.999'],
    'http_req_duration{window:late}': [`p(99)<${MAX_LATE_P99_MS}`],
    'http_req_duration{window:early}': [],
    setgate_ryw_violations: ['count==0'],
    setgate_duplicate_appends: ['count==0'],
    ...perPriority(['setgate_ok']),
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  return { runId: newRunId() };
}

/** @type {Shopper | undefined} */
let shopper;

/** @param {{ runId: string }} data */
export default function (data) {
  shopper ??= new Shopper(pool, usersOfVu(pool, exec.vu.idInTest, TOTAL_VUS), targets(), data.runId);
  const progress = exec.scenario.progress;
  shopper.extraTags = { window: progress < 0.1 ? 'early' : progress > 0.9 ? 'late' : 'middle' };
  shopper.step(MIX);
}

export const handleSummary = summaryWriter('soak', (data) => {
  const early = data.metrics['http_req_duration{window:early}']?.values['p(99)'];
  const late = data.metrics['http_req_duration{window:late}']?.values['p(99)'];
  return { p99EarlyMs: early, p99LateMs: late, p99Drift: early && late ? late / early : undefined };
});
