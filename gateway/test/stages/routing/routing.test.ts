import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { shardOf } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { epochOf, SHARD_COUNT } from '../../helpers/topology.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

describe('routing stage', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let auth: { authorization: string };
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port });
    auth = bearer(await signToken({ sub: 'subject-1' }));
  });
  after(async () => {
    await app.close();
    await node.close();
  });
  beforeEach(() => {
    node.received.length = 0;
  });

  /** Sends one request and returns the routing headers the node got. */
  async function routed(url: string, headers: Record<string, string> = {}) {
    const res = await app.inject({ url, headers: { ...auth, ...headers } });
    assert.equal(res.statusCode, 200, res.body);
    const got = node.received.at(-1);
    assert.ok(got);
    return { key: got.headers['x-setgate-key'], shard: got.headers['x-setgate-shard'], epoch: got.headers['x-setgate-epoch'], url: got.url };
  }

  const expected = (key: string) => {
    const shard = shardOf(key, SHARD_COUNT);
    return { key, shard: String(shard), epoch: String(epochOf(shard)) };
  };

  it('keys subject commands by the token subject', async () => {
    const r = await routed('/v1/profile');
    assert.deepEqual({ key: r.key, shard: r.shard, epoch: r.epoch }, expected('subject-1'));
  });

  it('keys param, header and query commands by their source', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['/v1/orders/order-77', {}, 'order-77'],
      ['/v1/tenant', { 'x-tenant-id': 'tenant-5' }, 'tenant-5'],
      ['/v1/search?account=acct-3&q=shoes', {}, 'acct-3'],
    ];
    for (const [url, headers, key] of cases) {
      const r = await routed(url, headers);
      assert.deepEqual({ key: r.key, shard: r.shard, epoch: r.epoch }, expected(key), url);
    }
  });

  it('spreads different keys over different shards', async () => {
    const shards = new Set<string | string[] | undefined>();
    for (let i = 0; i < 32; i++) shards.add((await routed(`/v1/orders/o-${i}`)).shard);
    assert.equal(shards.size > 1, true);
  });

  it('answers a missing header key with 400', async () => {
    const res = await app.inject({ url: '/v1/tenant', headers: auth });
    const problem = assertProblem(res, 400, 'SETGATE_GW_MISSING_KEY');
    assert.match(String(problem.detail), /X-Tenant-Id/);
    assert.equal(node.received.length, 0);
  });

  it('answers a missing or empty query key with 400', async () => {
    assertProblem(await app.inject({ url: '/v1/search?q=x', headers: auth }), 400, 'SETGATE_GW_MISSING_KEY');
    assertProblem(await app.inject({ url: '/v1/search?account=', headers: auth }), 400, 'SETGATE_GW_MISSING_KEY');
    assert.equal(node.received.length, 0);
  });

  it('answers a query key given twice with 400 instead of picking one', async () => {
    const res = await app.inject({ url: '/v1/search?account=a&account=b', headers: auth });
    assertProblem(res, 400, 'SETGATE_GW_AMBIGUOUS_KEY');
    assert.equal(node.received.length, 0);
  });

  it('refuses a key that breaks the shard-key rule with 400 before routing, from a path, a header or a query, charging no node', async () => {
    const cases: Array<[string, Record<string, string>]> = [
      [`/v1/orders/${'o'.repeat(256)}`, {}],
      ['/v1/orders/a%20b', {}],
      ['/v1/orders/%CE%A9', {}],
      ['/v1/orders/%07bell', {}],
      ['/v1/tenant', { 'x-tenant-id': 'tab\there' }],
      [`/v1/search?account=${'%C2%85'}`, {}],
    ];
    for (const [url, headers] of cases) {
      const problem = assertProblem(await app.inject({ url, headers: { ...auth, ...headers } }), 400, 'SETGATE_GW_INVALID_KEY');
      assert.match(String(problem.detail), /255 visible latin1 characters/, url);
    }
    assert.equal(node.received.length, 0);
    assert.deepEqual(app.upstreamStatus().nodes, [], 'no node was charged a failure');
    // The rule's edges pass: 255 characters, latin1 letters.
    assert.deepEqual((await routed(`/v1/orders/${'o'.repeat(255)}`)).key, 'o'.repeat(255));
    assert.deepEqual((await routed('/v1/orders/%C3%BCn%C3%AF')).key, 'ünï');
  });
});
