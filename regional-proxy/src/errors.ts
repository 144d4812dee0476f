import { defineErrors } from '@setgate/contracts';

/**
 * The regional proxy's error catalogue. Clients see these as
 * application/problem+json; codes are stable and never reused.
 */
export const ProxyErrors = defineErrors({
  SETGATE_RP_NO_GATEWAY: { status: 503, title: 'No gateway configured for the region' },
  /** No attempt could have reached a gateway (every connection was refused or never made): a write was not applied. */
  SETGATE_RP_GATEWAYS_UNAVAILABLE: { status: 503, title: 'No gateway of the region could be reached' },
  SETGATE_RP_NO_HEALTHY_REGION: { status: 503, title: 'No region is healthy' },
  SETGATE_RP_RESIDENCY_UNAVAILABLE: { status: 503, title: 'No region the request is limited to is healthy' },
  SETGATE_RP_GATEWAY_TIMEOUT: { status: 504, title: 'The gateway did not answer in time' },
  SETGATE_RP_BAD_GATEWAY: { status: 502, title: 'The gateway exchange failed' },
  /**
   * A write was sent to a gateway, then the connection was reset or closed, or
   * no answer came in time: it MAY have been applied. Resend it with the same
   * idempotency-key to apply it at most once.
   */
  SETGATE_RP_WRITE_OUTCOME_UNKNOWN: { status: 502, title: 'Write outcome unknown; it may have been applied' },
  /** The client broke off its request body: a client fault, never counted against a gateway. */
  SETGATE_RP_CLIENT_ABORTED: { status: 400, title: 'The client aborted its request body' },
  /**
   * The exchange failed while the proxy was still waiting for the client's body (the gateway gave
   * up on an upload too slow to finish): the client's fault, never counted against a gateway, and
   * nothing was applied (a gateway acts on a request only once its body is whole).
   */
  SETGATE_RP_CLIENT_TIMEOUT: { status: 408, title: 'The client did not send its request body in time' },
  /** The request could not be sent on as the client sent it (e.g. a header value no HTTP client may send). */
  SETGATE_RP_UNFORWARDABLE: { status: 400, title: 'Request cannot be forwarded as sent' },
  SETGATE_RP_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SETGATE_RP_BAD_TARGET: { status: 400, title: 'Request target must be a path' },
});

/** A code of the regional proxy's catalogue. */
export type ProxyErrorCode = keyof typeof ProxyErrors.catalogue;
