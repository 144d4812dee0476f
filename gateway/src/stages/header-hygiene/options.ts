import type { HopSecrets } from '@setgate/contracts';

/** Options of the header-hygiene stage. */
export interface HeaderHygieneOptions {
  /** CIDRs whose X-Forwarded-For is believed: the topology's `gateway.trustedProxies`. */
  readonly trustedProxies: readonly string[];
  /**
   * The stack's hop secrets. When set, X-Forwarded-For is believed only from a caller that
   * also proves it is a regional proxy (`x-setgate-hop`); undefined: the CIDRs alone decide.
   */
  readonly hopSecrets?: HopSecrets;
}
