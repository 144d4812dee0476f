import type { SetgateError } from '@setgate/contracts';
import { failureCode, failureKind } from '@setgate/http-client';
import { ProxyErrors } from './errors.js';

/**
 * 503: no gateway could be reached. For a write the proxy says so only when
 * no attempt could have reached a gateway, so "not applied" is the truth.
 */
export function gatewaysUnavailable(region: string, retryAfter: string, isWrite: boolean, cause: unknown): SetgateError {
  return ProxyErrors.create('SETGATE_RP_GATEWAYS_UNAVAILABLE', {
    detail: isWrite
      ? `no gateway of region ${region} could be reached; the write reached none and was not applied`
      : `no gateway of region ${region} could be reached`,
    headers: { 'retry-after': retryAfter },
    cause,
  });
}

/**
 * 502: a write was sent to a gateway, then the connection was reset or
 * closed, or no answer came in time. It may have been applied, and only the
 * client can make a resend safe. Never "unavailable": that promises "not applied".
 */
export function writeOutcomeUnknown(err: unknown, region: string, timeoutMs: number, idempotencyKey: boolean): SetgateError {
  const what =
    failureKind(err) === 'timeout'
      ? `a gateway of region ${region} received it but did not answer within ${timeoutMs} ms`
      : `the connection to a gateway of region ${region} failed after the write was sent (${failureCode(err) ?? 'malformed answer'})`;
  const retry = idempotencyKey
    ? 'Resend it with the same idempotency-key header: the write-point applies it at most once and answers the first outcome.'
    : 'It carried no idempotency-key, so a resend may apply it twice: read the current state first (or resend with If-Match), and send writes with an idempotency-key so a resend is always safe.';
  return ProxyErrors.create('SETGATE_RP_WRITE_OUTCOME_UNKNOWN', {
    detail: `The write may have been applied: ${what}. ${retry}`,
    extensions: { region, mayHaveBeenApplied: true, idempotencyKey },
    cause: err,
  });
}

/** A read's failed attempt, mapped onto the catalogue: unreachable (503), too slow (504) or anything else (502). */
export function readFailure(err: unknown, region: string, timeoutMs: number, retryAfter: string): SetgateError {
  switch (failureKind(err)) {
    case 'connection':
      return gatewaysUnavailable(region, retryAfter, false, err);
    case 'timeout':
      return ProxyErrors.create('SETGATE_RP_GATEWAY_TIMEOUT', {
        detail: `no answer from region ${region} within ${timeoutMs} ms`,
        cause: err,
      });
    default:
      return ProxyErrors.create('SETGATE_RP_BAD_GATEWAY', { cause: err });
  }
}
