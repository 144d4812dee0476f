// @ts-check
import { Counter, Rate, Trend } from 'k6/metrics';

/**
 * setgate's own metrics, beside k6's http_* ones. Every request sample carries
 * the tags `command`, `priority` and `kind` (read|write), and in failover.js
 * `phase`, so thresholds can select e.g. `setgate_ok{priority:critical}`.
 */
export const metrics = {
  /** 1 when the command was served (2xx, or 404 for a profile not written yet). */
  ok: new Rate('setgate_ok'),
  /** 1 when refused by the rate limiter (429). */
  rateLimited: new Rate('setgate_rate_limited'),
  /** 1 when shed by admission or unavailable (503). */
  shed: new Rate('setgate_shed'),
  /** Failed requests, tagged with `status` and the problem+json `code` (or k6's error code when nothing answered). */
  errors: new Counter('setgate_errors'),
  /** Writes acknowledged with 2xx. */
  ackedWrites: new Counter('setgate_acked_writes'),
  /** Writes answered from their idempotency record (`idempotent-replayed: true`). */
  replays: new Counter('setgate_idempotent_replays'),
  /** A read with this VU's session token missed this VU's own acknowledged write. */
  rywViolations: new Counter('setgate_ryw_violations'),
  /** A cart line appended once (one idempotency key) shows a quantity above 1. */
  duplicates: new Counter('setgate_duplicate_appends'),
  /** 1 when a 429 or 503 tells the client when to come back (`Retry-After`). */
  retryAfter: new Rate('setgate_refusal_retry_after'),
  /** failover.js: ms from the fault to each failed request after it; the maximum bounds the time to recover. */
  failureAge: new Trend('setgate_failure_after_fault_ms', true),
  /** failover.js: 1 for each fault or heal action the target accepted. */
  faultActions: new Rate('setgate_fault_actions_ok'),
};
