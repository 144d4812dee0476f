import { Type } from '@sinclair/typebox';
import { Name } from './common.js';
import { ProxyFairness } from './fairness.js';
import { Cidr } from './gateway.js';

export const RegionalPolicy = Type.Object(
  {
    trustedEdges: Type.Array(Cidr, {
      default: [],
      description:
        'Peers (CDN/edge) whose region hint header and X-Forwarded-For chain are honoured (the proxy appends the peer to their chain); from anyone else the hint is ignored and X-Forwarded-For is replaced by the peer address.',
    }),
    regionHintHeader: Type.String({
      default: 'x-edge-region',
      description: 'Header a trusted edge sets to the region it wants; must not start with x-setgate-.',
    }),
    ipRanges: Type.Array(
      Type.Object({ cidr: Cidr, region: Name }, { additionalProperties: false }),
      { default: [], description: 'Client networks → home region, when no trusted hint is present.' },
    ),
    tenantClaim: Type.String({
      default: 'tenant',
      minLength: 1,
      description:
        "Claim of the bearer token (JWT) naming the caller's tenant, read to apply `tenants` residency. The proxy reads it without verifying the token: it only ever narrows where a request may go, and the gateway verifies the token.",
    }),
    tenants: Type.Array(
      Type.Object(
        {
          tenant: Type.String({ minLength: 1, maxLength: 128, description: 'Tenant id, as the token claim carries it.' }),
          residency: Type.Array(Name, {
            minItems: 1,
            description: "Regions this tenant's requests may be served in; they never leave them (503 when none is healthy).",
          }),
        },
        { additionalProperties: false },
      ),
      {
        default: [],
        description: "Tenant residency. A request limited by both its command's and its tenant's residency may go only where both allow.",
      },
    ),
    fairness: ProxyFairness,
    health: Type.Object(
      {
        intervalMs: Type.Integer({
          minimum: 50,
          default: 1000,
          description:
            'Active check interval per gateway (one this proxy sends no traffic to: see noTrafficIntervalMs). A region whose gateways all die while they carry traffic is left at the latest after unhealthyThreshold × (intervalMs + timeoutMs); passive detection and retries usually move traffic sooner.',
        }),
        noTrafficIntervalMs: Type.Optional(
          Type.Integer({
            minimum: 50,
            default: 5000,
            description:
              "Active check interval for a healthy gateway this proxy sent no request for that long (Envoy's no_traffic_interval): an idle stack is not woken every intervalMs by checks nobody needs yet. An unhealthy gateway, one whose last check failed, or one that carried a request within that time, is checked every intervalMs; a gateway that died while idle is found by the first requests it fails (passiveFailures, with retries elsewhere) or within noTrafficIntervalMs + (unhealthyThreshold − 1) × intervalMs + unhealthyThreshold × timeoutMs.",
          }),
        ),
        timeoutMs: Type.Integer({ minimum: 10, default: 500, description: 'Active check timeout.' }),
        healthyThreshold: Type.Integer({
          minimum: 1,
          default: 3,
          description: 'Consecutive successes before a gateway (and its region) counts as healthy again.',
        }),
        unhealthyThreshold: Type.Integer({
          minimum: 1,
          default: 2,
          description: 'Consecutive failed checks before a gateway counts as down.',
        }),
        passiveFailures: Type.Integer({
          minimum: 1,
          default: 3,
          description: 'Consecutive failed or timed-out requests that mark a gateway down without waiting for a check.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Regional access layer policy: region choice and health.' },
);
