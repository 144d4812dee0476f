// @ts-check
/**
 * @import { Scenario } from 'k6/options'
 */

/**
 * The most VUs a set of scenarios can run at once (their ids are unique across
 * scenarios), so usersOfVu can give each VU users of its own.
 * @param {Record<string, Scenario>} scenarios
 * @returns {number}
 */
export function maxVus(scenarios) {
  let total = 0;
  for (const s of Object.values(scenarios)) {
    if ('maxVUs' in s && s.maxVUs !== undefined) total += s.maxVUs;
    else if ('preAllocatedVUs' in s) total += s.preAllocatedVUs;
    else if ('stages' in s && 'startVUs' in s) total += Math.max(s.startVUs ?? 1, ...s.stages.map((x) => x.target));
    else if ('vus' in s && s.vus !== undefined) total += s.vus;
    else total += 1;
  }
  return total;
}

/**
 * A run id for idempotency keys and written values, so a run never collides
 * with an earlier one on the same users: `SETGATE_RUN_ID`, else the start time
 * in ms, base 36. Call it in setup() and hand it to the VUs through setup's data.
 * @returns {string}
 */
export function newRunId() {
  return __ENV.SETGATE_RUN_ID || Date.now().toString(36);
}
