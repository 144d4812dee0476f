/** Options of the header-hygiene stage. */
export interface HeaderHygieneOptions {
  /** CIDRs whose X-Forwarded-For is believed: the topology's `gateway.trustedProxies`. */
  readonly trustedProxies: readonly string[];
}
