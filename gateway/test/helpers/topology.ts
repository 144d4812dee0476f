import { type LoadedTopology, validateTopology } from '@setgate/config';

export const ISSUER = 'https://auth.test.local';
export const AUDIENCE = 'setgate-test';
export const SECRET = 'gateway-test-secret-with-32-characters!!';
/** Secrets are given by reference: the test topology names this variable, set here for every test that imports it. */
export const SECRET_ENV = 'SETGATE_TEST_JWT_SECRET';
process.env[SECRET_ENV] = SECRET;
export const KID = 'test-1';
export const SHARD_COUNT = 8;
/** Placement epoch of shard s in the test topology: distinct per shard so a wrong shard shows. */
export const epochOf = (shard: number) => 100 + shard;

export interface TestTopologyOptions {
  /** Port of the only node (node-a-1). */
  readonly nodePort: number;
  readonly bodyLimitBytes?: number;
  /** Replaces `timeoutMs` of every command. */
  readonly timeoutMs?: number;
  /** Changes the document before validation (auth issuers, gateway policy, ...). */
  readonly edit?: (doc: Record<string, unknown>) => void;
}

/**
 * A small valid topology: one region, one set with one node on loopback,
 * and commands covering every key source, params in the upstream path and scopes.
 */
export function testTopology(opts: TestTopologyOptions): LoadedTopology {
  const command = (c: Record<string, unknown>) => ({
    kind: 'read',
    priority: 'normal',
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...c,
  });
  const doc: Record<string, unknown> = {
    version: 42,
    shardCount: SHARD_COUNT,
    regions: [
      {
        name: 'test-east',
        proxies: [{ id: 'proxy-1', host: '127.0.0.1', port: 1, adminPort: 2 }],
        gateways: [{ id: 'gw-1', host: '127.0.0.1', port: 3, adminPort: 4 }],
      },
    ],
    sets: [
      {
        name: 'set-a',
        region: 'test-east',
        nodes: [{ id: 'node-a-1', host: '127.0.0.1', port: opts.nodePort, adminPort: 5 }],
      },
    ],
    placements: Array.from({ length: SHARD_COUNT }, (_, shard) => ({
      shard,
      leader: 'set-a',
      replicas: ['set-a'],
      epoch: epochOf(shard),
      mode: 'async',
      minInsync: 0,
    })),
    commands: [
      command({ name: 'profile.get', method: 'GET', path: '/v1/profile', key: { from: 'subject' }, upstream: { method: 'GET', path: '/cmd/profile/{key}' } }),
      command({ name: 'profile.put', method: 'PUT', path: '/v1/profile', kind: 'write', key: { from: 'subject' }, upstream: { method: 'PUT', path: '/cmd/profile/{key}' } }),
      command({
        name: 'cart.remove-item',
        method: 'DELETE',
        path: '/v1/cart/items/:itemId',
        kind: 'write',
        key: { from: 'subject' },
        upstream: { method: 'DELETE', path: '/cmd/cart/{key}/items/:itemId' },
      }),
      command({ name: 'order.get', method: 'GET', path: '/v1/orders/:orderId', key: { from: 'param', name: 'orderId' }, upstream: { method: 'GET', path: '/cmd/order/{key}' } }),
      command({
        name: 'card.get',
        method: 'GET',
        path: '/v1/cards/:cardId',
        key: { from: 'param', name: 'cardId' },
        anonymous: true,
        upstream: { method: 'GET', path: '/cmd/card/{key}' },
      }),
      command({ name: 'tenant.get', method: 'GET', path: '/v1/tenant', key: { from: 'header', name: 'X-Tenant-Id' }, upstream: { method: 'GET', path: '/cmd/tenant/{key}' } }),
      command({ name: 'search.get', method: 'GET', path: '/v1/search', key: { from: 'query', name: 'account' }, upstream: { method: 'GET', path: '/cmd/search/{key}' } }),
      command({
        name: 'admin.get',
        method: 'GET',
        path: '/v1/admin',
        key: { from: 'subject' },
        scopes: ['admin', 'audit'],
        upstream: { method: 'GET', path: '/cmd/admin/{key}' },
      }),
    ],
    auth: {
      clockToleranceSec: 5,
      issuers: [{ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], keys: [{ kid: KID, alg: 'HS256', secret: { env: SECRET_ENV } }] }],
    },
    limits: { bodyLimitBytes: opts.bodyLimitBytes ?? 65536 },
  };
  opts.edit?.(doc);
  const result = validateTopology(doc);
  if (!result.ok) throw new Error(`test topology refused: ${JSON.stringify(result.problems)}`);
  return result.topology;
}
