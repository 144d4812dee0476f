import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { createRedis, type Redis } from '@setgate/redis-client';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

const NOW = Date.now();

/** Every test command counts as `reads` (max 4 a minute); a second gateway in the region halves it when local. */
function limitedTopology(gateways: number) {
  return (doc: Record<string, unknown>) => {
    const region = (doc.regions as { gateways: object[] }[])[0] as { gateways: object[] };
    for (let i = 1; i < gateways; i++) region.gateways.push({ id: `gw-${i + 1}`, host: '127.0.0.1', port: 100 + i, adminPort: 200 + i });
    for (const c of doc.commands as Record<string, unknown>[]) c.rateLimitClass = c.kind === 'write' ? 'writes' : 'reads';
    doc.gateway = {
      trustedProxies: ['127.0.0.0/8'],
      rateLimit: {
        anonymous: { max: 3, windowMs: 60000 },
        classes: [
          { name: 'reads', max: 4, windowMs: 60000 },
          { name: 'writes', max: 100, windowMs: 60000 },
        ],
        syncIntervalMs: 60000,
      },
    };
  };
}

describe('rate-limit stage', () => {
  let node: FakeNode;
  before(async () => {
    node = await startFakeNode();
  });
  after(async () => node.close());

  it('limits each subject per command class, with RateLimit headers and a 429 problem with Retry-After', async () => {
    const app = testGateway({ nodePort: node.port, edit: limitedTopology(1) }, { now: () => NOW });
    try {
      const alice = bearer(await signToken({ sub: 'alice' }));
      for (let i = 0; i < 4; i++) {
        const res = await app.inject({ url: '/v1/profile', headers: alice });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['ratelimit-limit'], '4');
        assert.equal(res.headers['ratelimit-remaining'], String(3 - i));
      }
      const refused = await app.inject({ url: '/v1/profile', headers: alice });
      assertProblem(refused, 429, 'SETGATE_GW_RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal(refused.headers['ratelimit-remaining'], '0');
      // Another subject, and another class of the same subject, count apart.
      assert.equal((await app.inject({ url: '/v1/profile', headers: bearer(await signToken({ sub: 'bob' })) })).statusCode, 200);
      assert.equal((await app.inject({ method: 'PUT', url: '/v1/profile', headers: alice, payload: 'x' })).statusCode, 200);
      assert.equal(app.regionLimiter.mode, 'local');
    } finally {
      await app.close();
    }
  });

  it('counts per tenant when the token names one, never by a client-chosen header', async () => {
    const app = testGateway({ nodePort: node.port, edit: limitedTopology(1) }, { now: () => NOW });
    try {
      for (let i = 0; i < 4; i++) {
        const token = await signToken({ sub: `member-${i}` });
        const res = await app.inject({ url: '/v1/profile', headers: { ...bearer(token), 'x-forwarded-for': `10.0.0.${i}` } });
        assert.equal(res.statusCode, 200);
      }
      // Tenant claims come from signed tokens only; helpers sign without one, so these are four subjects.
      assert.equal(app.regionLimiter.status().refused, 0);
    } finally {
      await app.close();
    }
  });

  it('limits anonymous calls per client address, grouping IPv6 by /64, and never by a client-chosen header', async () => {
    const app = testGateway({ nodePort: node.port, edit: limitedTopology(1) }, { now: () => NOW });
    try {
      // The same /64, three addresses: one budget of 3.
      for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::9']) {
        const res = await app.inject({ url: '/v1/cards/c1', headers: { 'x-forwarded-for': ip } });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.headers['ratelimit-limit'], '3');
      }
      const refused = await app.inject({ url: '/v1/cards/c2', headers: { 'x-forwarded-for': '2001:db8:1:2::77' } });
      assertProblem(refused, 429, 'SETGATE_GW_RATE_LIMITED');
      // A client-chosen header (here a made-up tenant header) does not buy a new budget.
      assertProblem(await app.inject({ url: '/v1/cards/c3', headers: { 'x-forwarded-for': '2001:db8:1:2::78', 'x-tenant-id': 'other' } }), 429, 'SETGATE_GW_RATE_LIMITED');
      // The next /64 and an IPv4 address count apart.
      assert.equal((await app.inject({ url: '/v1/cards/c1', headers: { 'x-forwarded-for': '2001:db8:1:3::1' } })).statusCode, 200);
      assert.equal((await app.inject({ url: '/v1/cards/c1', headers: { 'x-forwarded-for': '192.0.2.10' } })).statusCode, 200);
      // A caller with a token counts by subject, not by its address.
      const dave = bearer(await signToken({ sub: 'dave' }));
      assert.equal((await app.inject({ url: '/v1/cards/c1', headers: { ...dave, 'x-forwarded-for': '2001:db8:1:2::1' } })).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('without Redis enforces limit ÷ gateways in the region', async () => {
    const app = testGateway({ nodePort: node.port, edit: limitedTopology(2) }, { now: () => NOW });
    try {
      const carol = bearer(await signToken({ sub: 'carol' }));
      assert.equal((await app.inject({ url: '/v1/profile', headers: carol })).headers['ratelimit-limit'], '2');
      assert.equal((await app.inject({ url: '/v1/profile', headers: carol })).statusCode, 200);
      assertProblem(await app.inject({ url: '/v1/profile', headers: carol }), 429, 'SETGATE_GW_RATE_LIMITED');
    } finally {
      await app.close();
    }
  });
});

describe('rate-limit stage with Redis shared by two gateways', () => {
  let node: FakeNode;
  let redis: RedisServer;
  let clients: Redis[];
  let gw1: FastifyInstance;
  let gw2: FastifyInstance;
  before(async () => {
    node = await startFakeNode();
    redis = await startRedisServer();
    clients = [0, 1].map(() => createRedis(redis.url, { connectTimeoutMs: 200, commandTimeoutMs: 200, maxReconnectDelayMs: 100 }));
    for (const c of clients) c.on('error', () => {});
    await Promise.all(clients.map((c) => new Promise((r) => (c.status === 'ready' ? r(null) : c.once('ready', r)))));
    const build = (client: Redis) => testGateway({ nodePort: node.port, edit: limitedTopology(2) }, { now: () => NOW, redis: client });
    gw1 = build(clients[0] as Redis);
    gw2 = build(clients[1] as Redis);
    await Promise.all([gw1.ready(), gw2.ready()]);
  });
  after(async () => {
    await Promise.all([gw1.close(), gw2.close()]);
    for (const c of clients) c.disconnect();
    await redis.kill();
    await node.close();
  });
  const sync = () => Promise.all([gw1, gw2].map((g) => g.regionLimiter.sync?.syncOnce()));

  it('shares one limit between the gateways through batched syncs', async () => {
    const dave = bearer(await signToken({ sub: 'dave' }));
    for (let i = 0; i < 3; i++) assert.equal((await gw1.inject({ url: '/v1/profile', headers: dave })).statusCode, 200);
    assert.equal((await gw2.inject({ url: '/v1/profile', headers: dave })).statusCode, 200);
    // Within one sync interval each gateway only knows its own counts (the documented bound); after it, both know 4.
    await sync();
    await sync();
    assert.equal(gw2.regionLimiter.mode, 'shared');
    assertProblem(await gw2.inject({ url: '/v1/profile', headers: dave }), 429, 'SETGATE_GW_RATE_LIMITED');
    assertProblem(await gw1.inject({ url: '/v1/profile', headers: dave }), 429, 'SETGATE_GW_RATE_LIMITED');
  });

  it('with Redis killed under load: no request hangs, limits apply locally, shared limits resume when it returns', async () => {
    const erin = bearer(await signToken({ sub: 'erin' }));
    await redis.kill();
    // 200 concurrent requests while Redis is gone: each is answered (200 or 429), none waits on Redis.
    const answers = await Promise.all(Array.from({ length: 200 }, () => gw1.inject({ url: '/v1/profile', headers: erin })));
    assert.ok(answers.every((r) => r.statusCode === 200 || r.statusCode === 429));
    await sync();
    assert.equal(gw1.regionLimiter.mode, 'local');
    const frank = bearer(await signToken({ sub: 'frank' }));
    const local = await Promise.all(Array.from({ length: 5 }, () => gw1.inject({ url: '/v1/profile', headers: frank })));
    // Local mode: 4 ÷ 2 gateways = 2 admitted on this gateway.
    assert.equal(local.filter((r) => r.statusCode === 200).length, 2);
    assert.equal(local[0]?.headers['ratelimit-limit'], '2');

    await redis.restart();
    for (let i = 0; i < 100 && (gw1.regionLimiter.mode as string) !== 'shared'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await sync();
    }
    assert.equal(gw1.regionLimiter.mode, 'shared');
    const grace = bearer(await signToken({ sub: 'grace' }));
    assert.equal((await gw1.inject({ url: '/v1/profile', headers: grace })).headers['ratelimit-limit'], '4');
  });
});
