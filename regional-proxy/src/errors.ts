import { defineErrors } from '@setgate/contracts';

/**
 * The regional proxy's error catalogue. Clients see these as
 * application/problem+json; codes are stable and never reused.
 */
export const ProxyErrors = defineErrors({
  SETGATE_RP_NO_GATEWAY: { status: 503, title: 'No gateway configured for the region' },
  SETGATE_RP_GATEWAYS_UNAVAILABLE: { status: 503, title: 'No gateway of the region could be reached' },
  SETGATE_RP_NO_HEALTHY_REGION: { status: 503, title: 'No region is healthy' },
  SETGATE_RP_RESIDENCY_UNAVAILABLE: { status: 503, title: 'No region the request is limited to is healthy' },
  SETGATE_RP_GATEWAY_TIMEOUT: { status: 504, title: 'The gateway did not answer in time' },
  SETGATE_RP_BAD_GATEWAY: { status: 502, title: 'The gateway exchange failed' },
  SETGATE_RP_BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  SETGATE_RP_BAD_TARGET: { status: 400, title: 'Request target must be a path' },
});

/** A code of the regional proxy's catalogue. */
export type ProxyErrorCode = keyof typeof ProxyErrors.catalogue;
