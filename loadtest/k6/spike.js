// @ts-check
/**
 * A spike far past capacity on top of a steady baseline: the gateways must
 * shed by priority (low first, critical last) with fast 503s carrying
 * Retry-After, and keep serving critical commands (≥ 99 %). An optional hot
 * user (HOT_RATE > 0) drives one subject past its rate limit: its excess must
 * get 429, never at the expense of others.
 *
 *   k6 run -e SETGATE_JWT_SECRET=... loadtest/k6/spike.js
 *
 * Env: BASE_RATE (50/s), SPIKE_RATE (1500/s), SPIKE_HOLD (30s), HOT_RATE (0 = off),
 * MIN_CRITICAL_OK (0.99), plus lib/env.js.
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
 * @import { SummaryData } from './lib/summary.js'
 */

const BASE_RATE = envNumber('BASE_RATE', 50);
const SPIKE_RATE = envNumber('SPIKE_RATE', 1500);
const HOT_RATE = envNumber('HOT_RATE', 0);
const SPIKE_HOLD = env('SPIKE_HOLD', '30s');
const MIN_CRITICAL_OK = envNumber('MIN_CRITICAL_OK', 0.99);

/** @type {Record<string, Scenario>} */
const scenarios = {
  baseline: {
    executor: 'constant-arrival-rate',
    rate: BASE_RATE,
    timeUnit: '1s',
    duration: env('DURATION', '1m30s'),
    preAllocatedVUs: 10,
    maxVUs: Math.max(20, Math.ceil(BASE_RATE / 2)),
  },
  spike: {
    executor: 'ramping-arrival-rate',
    startTime: '15s',
    startRate: 0,
    timeUnit: '1s',
    stages: [
      { target: SPIKE_RATE, duration: '10s' },
      { target: SPIKE_RATE, duration: SPIKE_HOLD },
      { target: 0, duration: '10s' },
    ],
    preAllocatedVUs: 50,
    maxVUs: envNumber('SPIKE_VUS', 400),
  },
};
if (HOT_RATE > 0) {
  scenarios.hot_user = {
    executor: 'constant-arrival-rate',
    startTime: '15s',
    rate: HOT_RATE,
    timeUnit: '1s',
    duration: '30s',
    preAllocatedVUs: 10,
    maxVUs: 100,
  };
}
const TOTAL_VUS = maxVus(scenarios);
const all = loadUsers(envNumber('USERS', TOTAL_VUS * 2) + 1);
/** The last user is the hot one; everyone else's users come from the rest, so its 429s touch nobody else. */
const HOT_USER = all.count - 1;
/** @type {import('./lib/tokens.js').UserPool} */
const pool = { count: HOT_RATE > 0 ? all.count - 1 : all.count, at: (i) => all.at(i) };

/** The spike is mostly cheap reads of every priority, with critical appends among them. @type {Mix} */
const MIX = { profileGet: 25, profilePut: 10, cartGet: 20, cartSummary: 30, cartAddItem: 15 };
/** The hot user only reads its low-priority summary, so its 429s are its own. @type {Mix} */
const HOT_MIX = { cartSummary: 1 };

/** @type {Options} */
export const options = {
  scenarios,
  thresholds: {
    'setgate_ok{priority:critical}': [`rate>=${MIN_CRITICAL_OK}`],
    'setgate_shed{priority:critical}': [`rate<=${1 - MIN_CRITICAL_OK}`],
    'setgate_rate_limited{priority:critical}': ['rate<0.01'],
    // Shedding is useful only when it is fast and tells the client when to retry.
    'http_req_duration{status:503}': ['p(99)<250'],
    setgate_refusal_retry_after: ['rate==1'],
    // The baseline's users were not the ones who spiked: they keep being served.
    'setgate_ok{scenario:baseline}': ['rate>0.95'],
    setgate_ryw_violations: ['count==0'],
    setgate_duplicate_appends: ['count==0'],
    ...(HOT_RATE > 0 ? { 'setgate_rate_limited{scenario:hot_user}': ['rate>0'] } : {}),
    ...perPriority(['setgate_ok', 'setgate_rate_limited', 'setgate_shed']),
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  return { runId: newRunId() };
}

/**
 * This VU's clients: one for the shop users it owns, whatever scenario it runs
 * (k6 may hand a VU from one scenario to another; one client keeps one history
 * per user), and one for the hot user.
 * @type {{ shop?: Shopper, hot?: Shopper }}
 */
const clients = {};

/** @param {{ runId: string }} data */
export default function (data) {
  if (exec.scenario.name === 'hot_user') {
    // Every hot-user VU drives the same user, so its subject's limit is what they hit together.
    clients.hot ??= new Shopper(all, { indices: [HOT_USER], exclusive: false }, targets(), data.runId);
    clients.hot.step(HOT_MIX);
    return;
  }
  clients.shop ??= new Shopper(pool, usersOfVu(pool, exec.vu.idInTest, TOTAL_VUS), targets(), data.runId);
  clients.shop.step(MIX);
}

/**
 * Shedding order as observed: each priority's 503 share should not exceed the
 * share of any less important one.
 * @param {SummaryData} data
 */
function shedOrder(data) {
  /** @param {string} p */
  const shed = (p) => data.metrics[`setgate_shed{priority:${p}}`]?.values.rate ?? 0;
  const order = ['critical', 'high', 'normal', 'low'].map((p) => ({ priority: p, shed: shed(p) }));
  const inOrder = order.every((x, i) => i === 0 || (order[i - 1]?.shed ?? 0) <= x.shed);
  return { shedOrder: order, shedInPriorityOrder: inOrder };
}

export const handleSummary = summaryWriter('spike', shedOrder);
