// @ts-check
/**
 * A failover drill under load: steady mixed commands through every region
 * while, at FAULT_AT, one VU injects a fault through the control plane's admin
 * API (drain a region or set, move a shard, pause the failover controller) or
 * any HTTP endpoint (the WAN emulation's partition, a drill endpoint), and
 * heals it HEAL_AFTER later. Thresholds judge the error rate before, during
 * and after the fault, and how long after the fault requests kept failing.
 *
 *   k6 run -e SETGATE_JWT_SECRET=... -e SETGATE_ADMIN_TOKEN=... -e FAULT=drain-region -e FAULT_TARGET=eu-west loadtest/k6/failover.js
 *
 * Env: FAULT (drain-region | drain-set | shard-move | failover-pause | http, see lib/admin.js),
 * FAULT_AT (30 s), HEAL_AFTER (20 s), RECOVERY_BUDGET (15 s: time after the heal by which
 * all must be well), MIN_OK_DURING_FAULT (0.95), RATE (100/s), DURATION (1m30s), plus lib/env.js.
 */
import { sleep } from 'k6';
import exec from 'k6/execution';
import { healFault, faultKind, injectFault } from './lib/admin.js';
import { env, envNumber, targets } from './lib/env.js';
import { metrics } from './lib/metrics.js';
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
const FAULT = faultKind();
const FAULT_AT_S = envNumber('FAULT_AT', 30);
const HEAL_AFTER_S = envNumber('HEAL_AFTER', 20);
const RECOVERY_BUDGET_S = envNumber('RECOVERY_BUDGET', 15);
const MIN_OK_DURING_FAULT = envNumber('MIN_OK_DURING_FAULT', 0.95);

/** @type {Record<string, Scenario>} */
const scenarios = {
  load: {
    executor: 'constant-arrival-rate',
    rate: RATE,
    timeUnit: '1s',
    duration: env('DURATION', '1m30s'),
    preAllocatedVUs: Math.max(10, Math.ceil(RATE / 10)),
    maxVUs: Math.max(50, Math.ceil(RATE / 2)),
    exec: 'load',
  },
  fault: {
    executor: 'shared-iterations',
    vus: 1,
    iterations: 1,
    startTime: `${FAULT_AT_S}s`,
    maxDuration: `${HEAL_AFTER_S + 300}s`,
    exec: 'fault',
  },
};
const TOTAL_VUS = maxVus(scenarios);
const pool = loadUsers(envNumber('USERS', TOTAL_VUS * 4));

/** @type {Mix} */
const MIX = { profileGet: 25, profilePut: 15, cartGet: 20, cartSummary: 5, cartAddItem: 35 };

/** @type {Options} */
export const options = {
  scenarios,
  thresholds: {
    // Healthy before, degraded at most this much while the fault lasts, healthy again after.
    'setgate_ok{phase:before}': ['rate>0.99'],
    'setgate_ok{phase:fault}': [`rate>=${MIN_OK_DURING_FAULT}`],
    'setgate_ok{phase:after}': ['rate>0.99'],
    'setgate_ok{phase:fault,priority:critical}': [`rate>=${MIN_OK_DURING_FAULT}`],
    // The last failure after the fault came before the heal plus the recovery budget.
    setgate_failure_after_fault_ms: [`max<${(HEAL_AFTER_S + RECOVERY_BUDGET_S) * 1000}`],
    // The fault and the heal were both carried out.
    setgate_fault_actions_ok: ['rate==1'],
    // No acknowledged write lost from a session's view, none applied twice.
    setgate_ryw_violations: ['count==0'],
    setgate_duplicate_appends: ['count==0'],
    ...perPriority(['setgate_ok', 'setgate_shed']),
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  return { runId: newRunId(), startMs: Date.now() };
}

/** @type {Shopper | undefined} */
let shopper;

/**
 * The load: each request is tagged with the phase it was sent in, and every
 * failure after the fault records how long after the fault it came.
 * @param {{ runId: string, startMs: number }} data
 */
export function load(data) {
  const faultMs = exec.scenario.startTime + FAULT_AT_S * 1000;
  if (shopper === undefined) {
    const s = new Shopper(pool, usersOfVu(pool, exec.vu.idInTest, TOTAL_VUS), targets(), data.runId);
    s.onResponse = (cmd, res) => {
      const served = (res.status >= 200 && res.status < 300) || (cmd.name === 'profile.get' && res.status === 404);
      const now = Date.now();
      if (!served && now >= faultMs) metrics.failureAge.add(now - faultMs, { command: cmd.name, priority: cmd.priority });
    };
    shopper = s;
  }
  const sinceFaultMs = Date.now() - faultMs;
  shopper.extraTags = {
    phase: sinceFaultMs < 0 ? 'before' : sinceFaultMs < (HEAL_AFTER_S + RECOVERY_BUDGET_S) * 1000 ? 'fault' : 'after',
  };
  shopper.step(MIX);
}

/** The fault, then the heal, each recorded (and logged without secrets). */
export function fault() {
  const injected = injectFault(FAULT);
  metrics.faultActions.add(injected.ok, { action: 'fault' });
  console.log(`fault ${FAULT}: ${injected.ok ? 'ok' : 'FAILED'} (${injected.detail})`);
  sleep(HEAL_AFTER_S);
  const healed = healFault(FAULT);
  metrics.faultActions.add(healed.ok, { action: 'heal' });
  console.log(`heal ${FAULT}: ${healed.ok ? 'ok' : 'FAILED'} (${healed.detail})`);
}

export const handleSummary = summaryWriter('failover', (data) => ({
  fault: { kind: FAULT, atS: FAULT_AT_S, healAfterS: HEAL_AFTER_S, recoveryBudgetS: RECOVERY_BUDGET_S },
  lastFailureAfterFaultMs: data.metrics.setgate_failure_after_fault_ms?.values.max ?? 0,
  servedByPhase: Object.fromEntries(
    ['before', 'fault', 'after'].map((p) => [p, data.metrics[`setgate_ok{phase:${p}}`]?.values.rate]),
  ),
}));
