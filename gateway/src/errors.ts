import { defineErrors } from '@setgate/contracts';

/**
 * The gateway's error catalogue: every error the pipeline raises, with its
 * stable code and HTTP status. Clients receive them as application/problem+json
 * (service-kit's error handler); listener-level errors (413, 431, 408) come from
 * `CommonErrors` in contracts.
 */
export const GatewayErrors = defineErrors({
  SETGATE_GW_DUPLICATE_HOST: { status: 400, title: 'Duplicate Host header' },
  /** A request claimed to come from a regional proxy (x-setgate-hop) with a secret that is not the stack's. */
  SETGATE_GW_HOP_UNAUTHENTICATED: { status: 401, title: 'Hop credential wrong' },
  SETGATE_GW_ROUTE_NOT_FOUND: { status: 404, title: 'No such command' },
  SETGATE_GW_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed for this command' },
  SETGATE_GW_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  SETGATE_GW_INVALID_TOKEN: { status: 401, title: 'Invalid bearer token' },
  SETGATE_GW_INSUFFICIENT_SCOPE: { status: 403, title: 'Token lacks a required scope' },
  SETGATE_GW_RESIDENCY: { status: 403, title: 'Not served in this region' },
  SETGATE_GW_MISSING_KEY: { status: 400, title: 'Shard key missing' },
  SETGATE_GW_AMBIGUOUS_KEY: { status: 400, title: 'Shard key given more than once' },
  /** The shard key breaks the one shard-key rule (topology's shard-key.ts): refused before routing. */
  SETGATE_GW_INVALID_KEY: { status: 400, title: 'Invalid shard key' },
  /** A validly signed token whose subject (or tenant) cannot be carried to a node: refused before routing. */
  SETGATE_GW_INVALID_SUBJECT: { status: 400, title: 'Token subject cannot be used' },
  /**
   * The gateway could not build the node request from what the client sent (e.g. a header value
   * undici refuses): nothing left the gateway, no node is charged for it.
   */
  SETGATE_GW_UNFORWARDABLE: { status: 400, title: 'Request cannot be forwarded as sent' },
  SETGATE_GW_SHARD_UNPLACED: { status: 503, title: 'Shard has no write-point' },
  SETGATE_GW_UPSTREAM_UNAVAILABLE: { status: 503, title: 'Set-runtime node unavailable' },
  SETGATE_GW_UPSTREAM_TIMEOUT: { status: 504, title: 'Set-runtime node timed out' },
  SETGATE_GW_UPSTREAM_ERROR: { status: 502, title: 'Set-runtime node answered badly' },
  SETGATE_GW_MISDIRECTED: { status: 502, title: 'Shard is owned by another node' },
  SETGATE_GW_INVALID_API_KEY: { status: 401, title: 'Invalid API key' },
  SETGATE_GW_INVALID_SESSION: { status: 400, title: 'Invalid session token' },
  SETGATE_GW_RATE_LIMITED: { status: 429, title: 'Rate limit exceeded', refusal: true },
  /** Too many failed authentications from the client's address in the window: refused before any credential check. */
  SETGATE_GW_AUTH_THROTTLED: { status: 429, title: 'Too many failed authentications', refusal: true },
  SETGATE_GW_OVERLOADED: { status: 503, title: 'Gateway overloaded; request shed', refusal: true },
  /** The write certainly never reached the write-point (no connection could be made): not applied, safe to resend. */
  SETGATE_GW_WRITE_POINT_UNAVAILABLE: { status: 503, title: 'Write-point unavailable' },
  /**
   * The write was sent, then the connection was reset or closed, or no answer came in time: it MAY
   * have been applied. Resend it with the same idempotency-key to apply it at most once.
   */
  SETGATE_GW_WRITE_OUTCOME_UNKNOWN: { status: 502, title: 'Write outcome unknown; it may have been applied' },
  /** No reachable node has reached the client's session position (its setgate-session token) for the shard. */
  SETGATE_GW_READ_BEHIND_SESSION: { status: 409, title: 'No reachable replica has your latest write yet' },
  /** The write-point is unreachable, no replica is within the command's staleness bound, and the command does not allow stale fallback. */
  SETGATE_GW_NO_FRESH_REPLICA: { status: 503, title: 'No replica within the staleness bound' },
});

/** A code of the gateway catalogue. */
export type GatewayErrorCode = keyof typeof GatewayErrors.catalogue;
