import type { Outcome } from './history.js';

/**
 * 5xx problem codes whose meaning is "the write was certainly not applied":
 * refused before it could reach the write-point's log. Any other 5xx, a
 * timeout or a reset may have been applied and is `unknown`. (A code the
 * system uses for "not applied" while the write was in fact applied shows up
 * in the checker as a phantom: that is the point of trusting the claim here.)
 */
export const NOT_APPLIED_CODES: ReadonlySet<string> = new Set([
  'SETGATE_GW_OVERLOADED',
  'SETGATE_GW_SHARD_UNPLACED',
  'SETGATE_GW_WRITE_POINT_UNAVAILABLE',
  'SETGATE_GW_RATE_LIMITED',
  'SETGATE_NODE_NOT_ENOUGH_REPLICAS',
  'SETGATE_NODE_LEASE_EXPIRED',
  'SETGATE_NODE_FENCED',
  'SETGATE_RP_NO_GATEWAY',
  'SETGATE_RP_NO_HEALTHY_REGION',
  'SETGATE_RP_RESIDENCY_UNAVAILABLE',
]);

/**
 * A write's outcome from its answer: 2xx applied; 4xx refused (not applied);
 * 5xx not applied only with a code that says so; no answer (status undefined) unknown.
 */
export function writeOutcome(status: number | undefined, code: string | undefined): Outcome {
  if (status === undefined) return 'unknown';
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400 && status < 500) return 'fail';
  return code !== undefined && NOT_APPLIED_CODES.has(code) ? 'fail' : 'unknown';
}
