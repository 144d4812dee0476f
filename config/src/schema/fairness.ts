import { Type } from '@sinclair/typebox';

/**
 * What one client may hold of a gateway. A client is the verified subject (a token's
 * issuer and sub, or an API key), else its address (IPv6 by /64).
 */
export const GatewayFairness = Type.Object(
  {
    maxInFlightPerClient: Type.Integer({
      minimum: 1,
      default: 64,
      description:
        "Requests one client may have in flight at a gateway (admitted, not yet answered; a slow upload counts until it is cut). Past it the client's next request gets 429 SETGATE_CLIENT_BUSY with Retry-After, so one client never holds the admission budget other users' requests need.",
    }),
    failedAuth: Type.Object(
      {
        max: Type.Integer({
          minimum: 1,
          default: 20,
          description: 'Failed authentications (401) from one client address per window before it is throttled.',
        }),
        windowMs: Type.Integer({
          minimum: 1000,
          default: 60000,
          description:
            'Window of failed-authentication counting; a throttled address gets 429 SETGATE_GW_AUTH_THROTTLED (Retry-After: the rest of the window) before any credential is checked.',
        }),
        maxAddresses: Type.Integer({
          minimum: 1,
          default: 100000,
          description: 'Most addresses tracked at once; past it the oldest window is dropped (bounds memory under a spread attack).',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Throttling of failed authentication per client address.' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Per-client limits of a gateway: fairness under abuse.' },
);

/** What one client address may hold of a regional proxy; trusted edges are counted by the address they forward for. */
export const ProxyFairness = Type.Object(
  {
    maxInFlightPerClient: Type.Integer({
      minimum: 1,
      default: 32,
      description:
        "Requests one client address may have in flight at a proxy; past it 429 SETGATE_CLIENT_BUSY with Retry-After. It bounds the share of the gateway pools (64 connections per gateway, shared by every client) one address can hold while its uploads trickle in; a load generator on one address needs it raised.",
    }),
    maxConnectionsPerAddress: Type.Integer({
      minimum: 1,
      default: 256,
      description:
        'Open connections from one peer address (trusted edges excepted); a connection past it is answered 429 problem+json and closed.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Per-client limits of a regional proxy: fairness under abuse.' },
);
