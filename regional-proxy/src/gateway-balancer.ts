import type { Dispatcher } from '@setgate/http-client';
import type { GatewayHealth } from './health/gateway-health.js';

/** One gateway as the forward path sees it: its pooled dispatcher and current load. */
export interface GatewayUpstream {
  readonly id: string;
  readonly region: string;
  /** Origin the pool is bound to, e.g. http://127.0.0.1:7110. */
  readonly url: string;
  /** Full URL of its health endpoint, probed by active checks. */
  readonly healthUrl: string;
  readonly pool: Dispatcher;
  /** Requests sent to this gateway that have not received their response headers yet. */
  inFlight: number;
  /** Active and passive health; only healthy gateways are acquired. */
  readonly health: GatewayHealth;
  /** Metric attributes, built once so the hot path allocates none. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Gateway choice within one region: among the healthy gateways, least
 * requests in flight, ties broken round-robin so an idle region still spreads
 * its load. The forward path only calls `acquire`/`release`.
 */
export class RegionGateways {
  /** Where the next tie-break scan starts. */
  private cursor = 0;

  constructor(
    readonly region: string,
    readonly gateways: readonly GatewayUpstream[],
  ) {}

  /** True while at least one gateway of the region is healthy: the region's own health. */
  get healthy(): boolean {
    for (const g of this.gateways) if (g.health.healthy) return true;
    return false;
  }

  /**
   * Picks a healthy gateway and counts the request as in flight on it;
   * undefined when no candidate is left. `tried` are the gateways earlier
   * attempts of the same request failed on.
   */
  acquire(tried?: readonly GatewayUpstream[]): GatewayUpstream | undefined {
    const n = this.gateways.length;
    let best: GatewayUpstream | undefined;
    let bestIndex = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const candidate = this.gateways[i] as GatewayUpstream;
      if (!candidate.health.healthy || tried?.includes(candidate)) continue;
      // Strictly less: among equals the first one from the cursor wins, which is the round-robin.
      if (best === undefined || candidate.inFlight < best.inFlight) {
        best = candidate;
        bestIndex = i;
      }
    }
    if (best === undefined) return undefined;
    this.cursor = (bestIndex + 1) % n;
    best.inFlight++;
    return best;
  }

  /** Ends the in-flight count of a request acquired on `gateway`. */
  release(gateway: GatewayUpstream): void {
    gateway.inFlight--;
  }
}
