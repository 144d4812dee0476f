// @ts-check
/**
 * Steady mixed load over many users through every region's regional proxy:
 * profile reads and writes, idempotent cart appends, cart reads; session
 * tokens echoed back, so reads through another region must show the user's
 * own writes.
 *
 *   k6 run -e SETGATE_JWT_SECRET=... loadtest/k6/steady.js
 *
 * Env: RATE (iterations/s, 100), DURATION (2m), USERS (4 per VU), plus lib/env.js.
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

const RATE = envNumber('RATE', 100);

/** @type {Record<string, Scenario>} */
const scenarios = {
  steady: {
    executor: 'constant-arrival-rate',
    rate: RATE,
    timeUnit: '1s',
    duration: env('DURATION', '2m'),
    preAllocatedVUs: Math.max(10, Math.ceil(RATE / 10)),
    maxVUs: Math.max(50, Math.ceil(RATE / 2)),
  },
};
const TOTAL_VUS = maxVus(scenarios);
const pool = loadUsers(envNumber('USERS', TOTAL_VUS * 4));

/** Reads outnumber writes about 3:2, as a shop's traffic does. @type {Mix} */
const MIX = { profileGet: 30, profilePut: 10, cartGet: 20, cartSummary: 10, cartAddItem: 30 };

/** @type {Options} */
export const options = {
  scenarios,
  thresholds: {
    setgate_ok: ['rate>0.99'],
    'setgate_ok{priority:critical}': ['rate>0.995'],
    'http_req_duration{kind:read}': ['p(99)<500'],
    'http_req_duration{kind:write}': ['p(99)<1000'],
    setgate_ryw_violations: ['count==0'],
    setgate_duplicate_appends: ['count==0'],
    ...perPriority(['setgate_ok', 'setgate_rate_limited', 'setgate_shed']),
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

/** One run id for every VU: idempotency keys and written values never repeat an earlier run's. */
export function setup() {
  return { runId: newRunId() };
}

/** @type {Shopper | undefined} */
let shopper;

/** @param {{ runId: string }} data */
export default function (data) {
  shopper ??= new Shopper(pool, usersOfVu(pool, exec.vu.idInTest, TOTAL_VUS), targets(), data.runId);
  shopper.step(MIX);
}

export const handleSummary = summaryWriter('steady');
