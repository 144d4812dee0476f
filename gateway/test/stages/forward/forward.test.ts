import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { shardOf } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { epochOf, SHARD_COUNT } from '../../helpers/topology.js';
import { SMALL_BODY_BYTES } from '@setgate/http-client';
import { closedPort, type FakeNode, type Responder, startFakeNode } from '../../helpers/upstream.js';

describe('forward stage', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let auth: { authorization: string };
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port, bodyLimitBytes: 1024 });
    auth = bearer(await signToken({ sub: 'user/ünï' }));
  });
  after(async () => {
    await app.close();
    await node.close();
  });
  beforeEach(() => {
    node.received.length = 0;
  });

  it('sends the routing headers, request id and trace context to the node', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/profile',
      headers: {
        ...auth,
        'content-type': 'application/json',
        'if-match': '"4"',
        'idempotency-key': 'idem-1',
        'x-request-id': 'req-42',
        traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      },
      payload: '{"displayName":"Ada"}',
    });
    assert.equal(res.statusCode, 200, res.body);
    const got = node.received[0];
    assert.ok(got);
    const shard = shardOf('user/ünï', SHARD_COUNT);
    assert.equal(got.method, 'PUT');
    assert.equal(got.headers['x-setgate-key'], 'user/ünï');
    assert.equal(got.headers['x-setgate-shard'], String(shard));
    assert.equal(got.headers['x-setgate-epoch'], String(epochOf(shard)));
    assert.equal(got.headers['x-setgate-subject'], 'user/ünï');
    assert.equal(got.headers['x-setgate-command'], 'profile.put');
    assert.equal(got.headers['x-setgate-config-version'], '42');
    assert.equal(got.headers['x-request-id'], 'req-42');
    assert.equal(res.headers['x-request-id'], 'req-42');
    const traceparent = String(got.headers.traceparent);
    assert.match(traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
    assert.notEqual(traceparent.split('-')[2], 'b7ad6b7169203331', 'the gateway span is the parent');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['if-match'], '"4"');
    assert.equal(got.headers['idempotency-key'], 'idem-1');
    assert.equal(got.headers.authorization, undefined, 'the bearer token stays at the gateway');
    assert.equal(got.body, '{"displayName":"Ada"}');
  });

  it('substitutes the key and params into the upstream path and keeps the query string', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/v1/cart/items/sku%2F1?dryRun=true&n=2', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.url, `/cmd/cart/${encodeURIComponent('user/ünï')}/items/sku%2F1?dryRun=true&n=2`);
  });

  it('forwards a binary body byte for byte, whatever its content type', async () => {
    const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/profile',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      payload: body,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['content-length'], String(body.length));
    assert.deepEqual(node.received[0]?.bytes, body);
  });

  it('answers 400 for a request undici cannot build, sends nothing and charges no node', async () => {
    // Only a header value past latin1 gets this far (a real listener's parser refuses it first; inject does not).
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ method: 'GET', url: '/v1/profile', headers: { ...auth, 'x-client-note': '\u03a9' } });
      assertProblem(res, 400, 'SETGATE_GW_UNFORWARDABLE');
    }
    assert.equal(node.received.length, 0);
    assert.deepEqual(app.upstreamStatus().nodes, [], 'no node was charged a failure');
  });

  it('refuses a body over the limit with 413 and forwards nothing', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/v1/profile',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ blob: 'x'.repeat(2048) }),
    });
    assertProblem(res, 413, 'SETGATE_BODY_TOO_LARGE');
    assert.equal(node.received.length, 0);
  });
});

describe('forward stage with a misbehaving node', () => {
  let app: FastifyInstance | undefined;
  let node: FakeNode | undefined;
  let auth: { authorization: string };
  before(async () => {
    auth = bearer(await signToken());
  });
  afterEach(async () => {
    await app?.close();
    await node?.close();
    app = undefined;
    node = undefined;
  });

  async function withNode(respond: Responder, timeoutMs?: number): Promise<FastifyInstance> {
    node = await startFakeNode(respond);
    app = testGateway({ nodePort: node.port, ...(timeoutMs ? { timeoutMs } : {}) });
    return app;
  }

  it('answers 503 when the node refuses connections', async () => {
    app = testGateway({ nodePort: await closedPort() });
    const res = await app.inject({ url: '/v1/profile', headers: auth });
    const problem = assertProblem(res, 503, 'SETGATE_GW_UPSTREAM_UNAVAILABLE');
    assert.match(String(problem.detail), /node-a-1/);
  });

  it('answers 503 when the node resets the connection', async () => {
    const gw = await withNode((_req, res) => res.socket?.destroy());
    assertProblem(await gw.inject({ url: '/v1/profile', headers: auth }), 503, 'SETGATE_GW_UPSTREAM_UNAVAILABLE');
  });

  it("answers 504 when the node does not answer within the command's timeout", async () => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    const gw = await withNode((_req, res) => {
      pending = setTimeout(() => res.end('late'), 5000);
    }, 50);
    try {
      assertProblem(await gw.inject({ url: '/v1/profile', headers: auth }), 504, 'SETGATE_GW_UPSTREAM_TIMEOUT');
    } finally {
      clearTimeout(pending);
    }
  });

  it('answers 502 naming the owner when the node says 421', async () => {
    const gw = await withNode((_req, res) => {
      res.writeHead(421, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'urn:setgate:error:SETGATE_NODE_MISDIRECTED',
          title: 'Misdirected',
          status: 421,
          code: 'SETGATE_NODE_MISDIRECTED',
          shard: 3,
          owner: { shard: 3, set: 'set-b', node: 'node-b-1', url: 'http://10.0.0.2:7000', epoch: 9 },
          configVersion: 43,
        }),
      );
    });
    const res = await gw.inject({ url: '/v1/profile', headers: auth });
    const problem = assertProblem(res, 502, 'SETGATE_GW_MISDIRECTED');
    assert.match(String(problem.detail), /node-b-1/);
    assert.match(String(problem.detail), /set-b/);
    assert.deepEqual(problem.owner, { set: 'set-b', node: 'node-b-1', epoch: 9 });
    assert.equal(problem.nodeConfigVersion, 43);
    assert.equal(res.body.includes('10.0.0.2'), false, 'internal addresses stay inside');
  });

  it('answers 503, not a cut-off 200, when the node dies in the middle of a body', async () => {
    const gw = await withNode((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    assertProblem(await gw.inject({ url: '/v1/profile', headers: auth }), 503, 'SETGATE_GW_UPSTREAM_UNAVAILABLE');
  });

  it('streams a body larger than the small-body bound, and one of unknown length, whole', async () => {
    const big = 'x'.repeat(SMALL_BODY_BYTES * 3);
    let chunked = false;
    const gw = await withNode((_req, res) => {
      if (chunked) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(big.slice(0, 1000));
        setTimeout(() => res.end(big.slice(1000)), 10);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(big.length) });
      res.end(big);
    });
    const declared = await gw.inject({ url: '/v1/profile', headers: auth });
    assert.equal(declared.statusCode, 200);
    assert.equal(declared.body, big);
    chunked = true;
    const unknown = await gw.inject({ url: '/v1/profile', headers: auth });
    assert.equal(unknown.statusCode, 200);
    assert.equal(unknown.body, big);
  });

  it("passes the node's own status and body through", async () => {
    const gw = await withNode((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/problem+json', etag: '"7"' });
      res.end('{"code":"SETGATE_NODE_VERSION_MISMATCH"}');
    });
    const res = await gw.inject({ method: 'PUT', url: '/v1/profile', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.body, '{"code":"SETGATE_NODE_VERSION_MISMATCH"}');
    assert.equal(res.headers.etag, '"7"');
  });
});
