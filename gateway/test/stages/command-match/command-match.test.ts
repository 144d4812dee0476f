import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

describe('command-match stage', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let auth: { authorization: string };
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port });
    auth = bearer(await signToken());
  });
  after(async () => {
    await app.close();
    await node.close();
  });
  beforeEach(() => {
    node.received.length = 0;
  });

  it('answers an unknown route with a 404 problem, before asking for a token', async () => {
    const res = await app.inject({ url: '/v1/nothing-here' });
    const problem = assertProblem(res, 404, 'SETGATE_GW_ROUTE_NOT_FOUND');
    assert.match(String(problem.detail), /GET \/v1\/nothing-here/);
    assert.equal(node.received.length, 0);
  });

  it('does not treat a trailing slash or another letter case as the same route', async () => {
    assertProblem(await app.inject({ url: '/v1/profile/', headers: auth }), 404, 'SETGATE_GW_ROUTE_NOT_FOUND');
    assertProblem(await app.inject({ url: '/V1/PROFILE', headers: auth }), 404, 'SETGATE_GW_ROUTE_NOT_FOUND');
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/profile?x=1', headers: auth, payload: '{}' });
    assertProblem(res, 405, 'SETGATE_GW_METHOD_NOT_ALLOWED');
    assert.deepEqual(String(res.headers.allow).split(', ').sort(), ['GET', 'PUT']);
    assert.equal(node.received.length, 0);
  });

  it('answers a method no command uses with 404 or 405, never by forwarding', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/v1/profile', headers: auth });
    assertProblem(res, 405, 'SETGATE_GW_METHOD_NOT_ALLOWED');
    assert.equal(node.received.length, 0);
  });

  it('matches a command with a path parameter and forwards it', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/v1/cart/items/sku-9', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['x-setgate-command'], 'cart.remove-item');
  });
});
