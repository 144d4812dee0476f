// @ts-check
/**
 * A run id for idempotency keys and written values, so a run never collides
 * with an earlier one on the same users: `SETGATE_RUN_ID`, else the start time
 * in ms, base 36. Call it in setup() and hand it to the VUs through setup's data.
 * @returns {string}
 */
export function newRunId() {
  return __ENV.SETGATE_RUN_ID || Date.now().toString(36);
}
