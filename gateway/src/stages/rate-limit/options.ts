import type { LoadedTopology } from '@setgate/config';
import type { Redis } from '@setgate/redis-client';
import type { Meter } from '@setgate/telemetry';

/** Options of the rate-limit stage. */
export interface RateLimitStageOptions {
  /** The topology's `gateway.rateLimit`: classes, anonymous limit, sync interval. */
  readonly policy: LoadedTopology['gateway']['rateLimit'];
  /** This gateway's region: counters are shared by the region's gateways only. */
  readonly region: string;
  /** Gateways in the region; each enforces limit ÷ this while Redis is unreachable. */
  readonly gatewaysInRegion: number;
  /** The process's Redis client; omitted: every gateway counts alone (local mode). */
  readonly redis?: Redis;
  /** Where the mode and refusals are published. */
  readonly meter?: Meter;
  /** Clock in ms since epoch; tests move it. Default Date.now. */
  readonly now?: () => number;
}

/**
 * The Redis a gateway of `region` counts in: the region's own (`regions[].rateLimitRedisUrl`),
 * else the topology-wide `gateway.rateLimit.redisUrl`; undefined: local counting only.
 */
export function rateLimitRedisUrl(topology: LoadedTopology, region: string): string | undefined {
  return topology.regions.find((r) => r.name === region)?.rateLimitRedisUrl ?? topology.gateway.rateLimit.redisUrl;
}
