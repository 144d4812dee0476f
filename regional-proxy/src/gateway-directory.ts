import { createPool, type DispatcherOptions } from '@setgate/http-client';
import { type GatewayUpstream, RegionGateways } from './gateway-balancer.js';
import { GatewayHealth, type GatewayHealthStatus, type HealthThresholds, type HealthTransition } from './health/gateway-health.js';

/** A gateway the proxy may forward to, as the topology lists it. */
export interface GatewayTarget {
  readonly id: string;
  readonly region: string;
  /** Traffic origin, e.g. http://127.0.0.1:7110. */
  readonly url: string;
  /** Full URL of its health endpoint (the gateway's admin listener), probed by active checks. */
  readonly healthUrl: string;
}

/** One gateway in `/status`. */
export interface GatewayStatus extends GatewayHealthStatus {
  readonly id: string;
  readonly url: string;
  readonly healthUrl: string;
  readonly inFlight: number;
}

/** One region in `/status`. */
export interface RegionStatus {
  readonly region: string;
  readonly healthy: boolean;
  readonly gateways: readonly GatewayStatus[];
}

/**
 * Every known gateway, grouped by region, each behind its own bounded
 * keep-alive pool from the dispatcher factory: connection aggregation happens
 * here, so thousands of client connections share a few sockets per gateway.
 * Each gateway also carries its health; a region is healthy while any of its
 * gateways is.
 */
export class GatewayDirectory {
  private readonly regions = new Map<string, RegionGateways>();
  private readonly upstreams: GatewayUpstream[] = [];

  constructor(
    targets: readonly GatewayTarget[],
    thresholds: HealthThresholds,
    onTransition: (t: HealthTransition) => void,
    poolOptions: DispatcherOptions = {},
  ) {
    const byRegion = new Map<string, GatewayUpstream[]>();
    for (const t of targets) {
      const upstream: GatewayUpstream = {
        id: t.id,
        region: t.region,
        url: t.url,
        healthUrl: t.healthUrl,
        pool: createPool(t.url, poolOptions),
        inFlight: 0,
        health: new GatewayHealth(t.id, t.region, thresholds, onTransition),
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

  /** True when the region has a healthy gateway. */
  isHealthy(region: string): boolean {
    return this.regions.get(region)?.healthy ?? false;
  }

  /** Every gateway, for the active checker. */
  all(): readonly GatewayUpstream[] {
    return this.upstreams;
  }

  status(): RegionStatus[] {
    return [...this.regions.values()].map((r) => ({
      region: r.region,
      healthy: r.healthy,
      gateways: r.gateways.map((u) => ({
        id: u.id,
        url: u.url,
        healthUrl: u.healthUrl,
        inFlight: u.inFlight,
        ...u.health.status(),
      })),
    }));
  }

  /** Closes every pool, letting requests in flight finish. */
  async close(): Promise<void> {
    await Promise.allSettled(this.upstreams.map((u) => u.pool.close()));
  }
}
