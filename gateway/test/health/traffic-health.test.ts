import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../helpers/gateway.js';
import { type FakeNode, startFakeNode } from '../helpers/upstream.js';

describe('traffic-port health route', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port });
  });
  after(async () => {
    await app.close();
    await node.close();
  });

  it('answers 200 with region and config version, without a token, and never reaches a node', async () => {
    const res = await app.inject({ url: '/_setgate/health' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { status: 'ok', region: 'test-east', configVersion: 42 });
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['ratelimit-limit'], undefined, 'not counted against any limit');
    assert.equal(node.received.length, 0);
    assert.equal((await app.inject({ method: 'HEAD', url: '/_setgate/health' })).statusCode, 200);
  });

  it('leaves every other path, and other methods on it, to the pipeline', async () => {
    assert.equal((await app.inject({ url: '/_setgate/health?probe=1' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: '/_setgate/health' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/v1/profile' })).statusCode, 401);
  });
});
