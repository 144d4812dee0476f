import { type LoadedTopology, validateTopology } from '@setgate/config';
import { AUDIENCE, ISSUER, KID, SECRET_ENV } from './topology.js';

export const SESSION_SECRET = 'session-secret-for-gateway-tests-0123456789';
const SESSION_SECRET_ENV = 'SETGATE_TEST_SESSION_TOKEN_SECRET';
process.env[SESSION_SECRET_ENV] = SESSION_SECRET;

/** Ports of the three sets' single nodes. */
export interface MultiRegionPorts {
  /** near-a, in the gateway's region (RTT 0): a replica. */
  readonly near: number;
  /** mid-a, 50 ms away: a replica. */
  readonly mid: number;
  /** far-a, 100 ms away: the write-point of every shard. */
  readonly far: number;
}

/**
 * Three regions (near = the gateway's, mid, far), one set of one node each;
 * every shard led from far with replicas near and mid, so a bounded read tries
 * near, then mid, then the write-point. `edit` changes the document before validation.
 */
export function multiRegionTopology(ports: MultiRegionPorts, edit?: (doc: Record<string, unknown>) => void): LoadedTopology {
  const region = (name: string, n: number) => ({
    name,
    proxies: [{ id: `${name}-proxy`, host: '127.0.0.1', port: 10 + n, adminPort: 20 + n }],
    gateways: [{ id: `${name}-gw`, host: '127.0.0.1', port: 30 + n, adminPort: 40 + n }],
  });
  const set = (name: string, r: string, port: number, n: number) => ({
    name,
    region: r,
    nodes: [{ id: `${name}-1`, host: '127.0.0.1', port, adminPort: 50 + n }],
  });
  const read = { kind: 'read', key: { from: 'subject' }, rateLimitClass: 'reads' };
  const doc: Record<string, unknown> = {
    version: 7,
    shardCount: 4,
    regions: [region('near', 1), region('mid', 2), region('far', 3)],
    rtt: [
      { a: 'near', b: 'mid', ms: 50 },
      { a: 'near', b: 'far', ms: 100 },
      { a: 'mid', b: 'far', ms: 60 },
    ],
    sets: [set('near-a', 'near', ports.near, 1), set('mid-a', 'mid', ports.mid, 2), set('far-a', 'far', ports.far, 3)],
    placements: Array.from({ length: 4 }, (_, shard) => ({
      shard,
      leader: 'far-a',
      replicas: ['far-a', 'near-a', 'mid-a'],
      epoch: 1,
      mode: 'async',
      minInsync: 0,
    })),
    commands: [
      { ...read, name: 'profile.get', method: 'GET', path: '/v1/profile', priority: 'high', maxStalenessMs: 5000, staleFallback: true, upstream: { method: 'GET', path: '/cmd/profile/{key}' } },
      { ...read, name: 'cart.get', method: 'GET', path: '/v1/cart', priority: 'critical', maxStalenessMs: 0, staleFallback: true, upstream: { method: 'GET', path: '/cmd/cart/{key}' } },
      { ...read, name: 'cart.summary', method: 'GET', path: '/v1/cart/summary', priority: 'low', maxStalenessMs: 30000, upstream: { method: 'GET', path: '/cmd/cart/{key}/summary' } },
      { name: 'profile.put', method: 'PUT', path: '/v1/profile', kind: 'write', key: { from: 'subject' }, priority: 'normal', rateLimitClass: 'writes', upstream: { method: 'PUT', path: '/cmd/profile/{key}' } },
    ],
    auth: {
      clockToleranceSec: 5,
      issuers: [{ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], keys: [{ kid: KID, alg: 'HS256', secret: { env: SECRET_ENV } }] }],
    },
    gateway: {
      sessionTokenSecret: { env: SESSION_SECRET_ENV },
      rateLimit: { classes: [{ name: 'reads', max: 100000 }, { name: 'writes', max: 100000 }] },
      upstream: { ejectAfterFailures: 2, baseEjectionMs: 60000 },
    },
  };
  edit?.(doc);
  const result = validateTopology(doc);
  if (!result.ok) throw new Error(`multi-region test topology refused: ${JSON.stringify(result.problems)}`);
  return result.topology;
}
