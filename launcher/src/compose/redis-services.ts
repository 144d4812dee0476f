import type { LoadedTopology } from '@setgate/config';

export const COMPOSE_REDIS_IMAGE = 'redis:7.4.1-alpine';
const REDIS_PORT = 6379;

/** The service name of a region's rate-limit Redis. */
export const composeRedisName = (region: string): string => `redis-${region}`;

/** The URL a region's gateways count in (regions[].rateLimitRedisUrl of the compose topology). */
export const composeRedisUrl = (region: string): string => `redis://${composeRedisName(region)}:${REDIS_PORT}`;

/**
 * One Redis per region, shared by that region's gateways for rate limits.
 * Counters live one window: no persistence. While it is down the gateways
 * count locally (limit ÷ gateways of the region).
 */
export function redisServices(topology: LoadedTopology): Record<string, unknown> {
  return Object.fromEntries(
    topology.regions.map((r) => [
      composeRedisName(r.name),
      {
        image: COMPOSE_REDIS_IMAGE,
        command: ['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory', '192mb', '--maxmemory-policy', 'volatile-ttl'],
        healthcheck: { test: ['CMD', 'redis-cli', 'ping'], interval: '5s', timeout: '2s', retries: 5 },
        restart: 'unless-stopped',
      },
    ]),
  );
}
