import { createPool, type DispatcherOptions } from '@setgate/http-client';
import { type GatewayUpstream, RegionGateways } from './gateway-balancer.js';

/** A gateway the proxy may forward to, as the topology lists it. */
export interface GatewayTarget {
  readonly id: string;
  readonly region: string;
  /** Traffic origin, e.g. http://127.0.0.1:7110. */
  readonly url: string;
}

/** One gateway in `/status`. */
export interface GatewayStatus {
  readonly id: string;
  readonly region: string;
  readonly url: string;
  readonly inFlight: number;
}

/**
 * Every known gateway, grouped by region, each behind its own bounded
 * keep-alive pool: connection aggregation happens here, so thousands of client
 * connections share a few sockets per gateway.
 */
export class GatewayDirectory {
  private readonly regions = new Map<string, RegionGateways>();
  private readonly upstreams: GatewayUpstream[] = [];

  constructor(targets: readonly GatewayTarget[], poolOptions: DispatcherOptions = {}) {
    const byRegion = new Map<string, GatewayUpstream[]>();
    for (const t of targets) {
      const upstream: GatewayUpstream = {
        id: t.id,
        region: t.region,
        url: t.url,
        pool: createPool(t.url, poolOptions),
        inFlight: 0,
        attributes: { 'setgate.region': t.region, 'setgate.gateway': t.id },
      };
      this.upstreams.push(upstream);
      const list = byRegion.get(t.region) ?? [];
      list.push(upstream);
      byRegion.set(t.region, list);
    }
    for (const [region, list] of byRegion) this.regions.set(region, new RegionGateways(region, list));
  }

  /** The gateways of a region; undefined when the region has none. */
  region(name: string): RegionGateways | undefined {
    return this.regions.get(name);
  }

  status(): GatewayStatus[] {
    return this.upstreams.map((u) => ({ id: u.id, region: u.region, url: u.url, inFlight: u.inFlight }));
  }

  /** Closes every pool, letting requests in flight finish. */
  async close(): Promise<void> {
    await Promise.allSettled(this.upstreams.map((u) => u.pool.close()));
  }
}
