import type { FairnessStatus } from './fairness.js';
import type { RegionStatus } from './gateway-directory.js';
import type { RegionalPolicy } from './options.js';

/** What `/status` on the admin listener reports for a regional proxy. */
export interface RegionalProxyStatus {
  readonly region: string;
  /** The region policy in force, as configured. */
  readonly policy: {
    readonly regionHintHeader: string;
    readonly trustedEdges: readonly string[];
    readonly ipRanges: readonly { readonly cidr: string; readonly region: string }[];
    readonly tenantClaim: string;
    readonly tenants: readonly { readonly tenant: string; readonly residency: readonly string[] }[];
    readonly health: RegionalPolicy['health'];
  };
  /** Every region nearest first from this proxy's region, with its health and its gateways'. */
  readonly regions: readonly (RegionStatus & { readonly rttMs: number })[];
  /** What the per-client guards hold and have refused (absent from proxyStatus alone). */
  readonly fairness?: FairnessStatus;
}

/** Assembles `/status` from the policy and the live health. */
export function proxyStatus(
  region: string,
  policy: RegionalPolicy,
  byDistance: readonly string[],
  rtt: (a: string, b: string) => number,
  regions: readonly RegionStatus[],
): RegionalProxyStatus {
  const order = new Map(byDistance.map((r, i) => [r, i]));
  const rank = (r: RegionStatus) => order.get(r.region) ?? byDistance.length;
  return {
    region,
    policy: {
      regionHintHeader: policy.regionHintHeader,
      trustedEdges: policy.trustedEdges,
      ipRanges: policy.ipRanges,
      tenantClaim: policy.tenantClaim,
      tenants: policy.tenants,
      health: policy.health,
    },
    regions: [...regions].sort((a, b) => rank(a) - rank(b)).map((r) => ({ ...r, rttMs: rtt(region, r.region) })),
  };
}
