// @ts-check
/**
 * How a script's users are spread over its VUs. Pure JavaScript (no k6
 * module), so Node tests check the partition the read-your-writes checks rely on.
 */

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
    if ('maxVUs' in s && s.maxVUs !== undefined) total += s.maxVUs; // arrival-rate, externally controlled
    else if ('preAllocatedVUs' in s) total += s.preAllocatedVUs;
    else if ('stages' in s) total += Math.max(s.startVUs ?? 1, ...s.stages.map((x) => x.target)); // ramping-vus
    else if ('vus' in s && s.vus !== undefined) total += s.vus;
    else total += 1; // k6's default of one VU
  }
  return total;
}

/**
 * Which users (indices into the pool) one VU drives. With at least as many
 * users as VUs each VU owns its users alone, so what it wrote is the latest
 * value and read-your-writes can be checked exactly; with fewer, VUs share
 * users and those checks are off.
 * @param {{ readonly count: number }} pool
 * @param {number} vu 1-based `__VU`
 * @param {number} totalVus most VUs the script can start (see maxVus)
 * @returns {{ indices: number[], exclusive: boolean }}
 */
export function usersOfVu(pool, vu, totalVus) {
  // More VUs than users, or a VU beyond the count: its users are shared.
  if (pool.count < totalVus || vu > totalVus) return { indices: [(vu - 1) % pool.count], exclusive: false };
  /** @type {number[]} */
  const indices = [];
  for (let i = (vu - 1) % totalVus; i < pool.count; i += totalVus) indices.push(i);
  return { indices, exclusive: true };
}
