import { validateTopology } from '@setgate/config';
import { shardOf, TopologyView } from '@setgate/topology';

export const SHARD_COUNT = 8;

/**
 * A small two-region topology for tests:
 * - east-a (nodes east-a-1, east-a-2) leads the even shards, replicated to west-a;
 * - west-a (node west-a-1) leads the odd shards, replicated to east-b (east-b-1).
 * Shard 2 is at epoch 3, every other shard at epoch 1. Shards are async unless
 * `mode` says otherwise, so a node tested alone can acknowledge writes.
 */
export function testTopologyDoc(
  overrides: { version?: number; shard2Epoch?: number; bodyLimitBytes?: number; mode?: 'sync' | 'async'; fetchMaxWaitMs?: number } = {},
) {
  const node = (id: string, port: number) => ({ id, host: '127.0.0.1', port, adminPort: port + 1 });
  return {
    version: overrides.version ?? 7,
    shardCount: SHARD_COUNT,
    regions: [
      { name: 'us-east', proxies: [node('us-east-proxy-1', 9100)], gateways: [node('us-east-gw-1', 9110)] },
      { name: 'eu-west', proxies: [node('eu-west-proxy-1', 9200)], gateways: [node('eu-west-gw-1', 9210)] },
    ],
    rtt: [{ a: 'us-east', b: 'eu-west', ms: 75 }],
    sets: [
      { name: 'east-a', region: 'us-east', nodes: [node('east-a-1', 9120), node('east-a-2', 9122)] },
      { name: 'east-b', region: 'us-east', nodes: [node('east-b-1', 9124)] },
      { name: 'west-a', region: 'eu-west', nodes: [node('west-a-1', 9220)] },
    ],
    placements: Array.from({ length: SHARD_COUNT }, (_, shard) => ({
      shard,
      leader: shard % 2 === 0 ? 'east-a' : 'west-a',
      replicas: shard % 2 === 0 ? ['east-a', 'west-a'] : ['west-a', 'east-b'],
      epoch: shard === 2 ? (overrides.shard2Epoch ?? 3) : 1,
      mode: overrides.mode ?? 'async',
      minInsync: 1,
    })),
    commands: [
      {
        name: 'cart.get',
        method: 'GET',
        path: '/v1/cart',
        kind: 'read',
        key: { from: 'subject' },
        priority: 'critical',
        upstream: { method: 'GET', path: '/cmd/cart/{key}' },
      },
    ],
    auth: {
      issuers: [
        {
          issuer: 'https://auth.test',
          audience: 'setgate',
          algorithms: ['HS256'],
          keys: [{ alg: 'HS256', secret: { env: 'SETGATE_TEST_JWT_SECRET' } }],
        },
      ],
    },
    limits: { bodyLimitBytes: overrides.bodyLimitBytes ?? 4096 },
    ...(overrides.fetchMaxWaitMs === undefined ? {} : { replication: { fetchMaxWaitMs: overrides.fetchMaxWaitMs } }),
  };
}

/** The test topology as a validated view. */
export function testView(overrides: Parameters<typeof testTopologyDoc>[0] = {}): TopologyView {
  const result = validateTopology(testTopologyDoc(overrides));
  if (!result.ok) throw new Error(`test topology refused: ${JSON.stringify(result.problems)}`);
  return new TopologyView(result.topology);
}

/** The first key `<prefix>-<n>` that falls in `shard`. */
export function keyInShard(shard: number, prefix = 'user', shardCount = SHARD_COUNT): string {
  for (let n = 0; ; n++) {
    const key = `${prefix}-${n}`;
    if (shardOf(key, shardCount) === shard) return key;
  }
}
