import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { shardOf } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { createService } from '@setgate/service-kit';
import { headerHygieneStage, stripInternalHeaders } from '../../../src/stages/header-hygiene/plugin.js';
import { requestContextStage } from '../../../src/stages/request-context/plugin.js';
import { testGateway, testTelemetry } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';
import { epochOf, SHARD_COUNT } from '../../helpers/topology.js';

describe('header-hygiene stage', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let token: string;
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port });
    token = await signToken({ sub: 'alice' });
  });
  after(async () => {
    await app.close();
    await node.close();
  });
  beforeEach(() => {
    node.received.length = 0;
  });

  it('never lets a client-sent x-setgate-* header reach the node', async () => {
    const res = await app.inject({
      url: '/v1/profile',
      headers: {
        ...bearer(token),
        'x-setgate-shard': '7',
        'X-SetGate-Key': 'mallory',
        'x-setgate-subject': 'admin',
        'x-setgate-epoch': '999',
        'x-setgate-min-position': '1:1',
        'x-setgate-tenant': 'other-tenant',
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const got = node.received[0]?.headers;
    assert.ok(got);
    const shard = shardOf('alice', SHARD_COUNT);
    assert.equal(got['x-setgate-key'], 'alice');
    assert.equal(got['x-setgate-subject'], 'alice');
    assert.equal(got['x-setgate-shard'], String(shard));
    assert.equal(got['x-setgate-epoch'], String(epochOf(shard)));
    assert.equal(got['x-setgate-min-position'], undefined);
    assert.equal(got['x-setgate-tenant'], undefined);
  });

  it('believes X-Forwarded-For only from a trusted proxy and sends the node only the resolved client', async () => {
    const untrusted = await app.inject({ url: '/v1/profile', remoteAddress: '203.0.113.9', headers: { ...bearer(token), 'x-forwarded-for': '1.2.3.4' } });
    assert.equal(untrusted.statusCode, 200, untrusted.body);
    assert.equal(node.received[0]?.headers['x-forwarded-for'], '203.0.113.9');
    const trusted = await app.inject({ url: '/v1/profile', remoteAddress: '127.0.0.1', headers: { ...bearer(token), 'x-forwarded-for': '6.6.6.6, 198.51.100.7' } });
    assert.equal(trusted.statusCode, 200, trusted.body);
    assert.equal(node.received[1]?.headers['x-forwarded-for'], '198.51.100.7');
  });

  it('refuses two Host headers with 400 before anything is forwarded', async () => {
    const res = await app.inject({
      url: '/v1/profile',
      headers: { ...bearer(token), host: ['a.example', 'b.example'] as unknown as string },
    });
    assertProblem(res, 400, 'SETGATE_GW_DUPLICATE_HOST');
    assert.equal(node.received.length, 0);
  });

  it('refuses two Host headers on a real connection (Node keeps only the first in headers)', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let out = '';
      socket.on('data', (d) => {
        out += d;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(out));
      socket.write(
        `GET /v1/profile HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /SETGATE_GW_DUPLICATE_HOST/);
    assert.equal(node.received.length, 0);
  });

  it('strips internal headers before any later stage reads them', async () => {
    // In isolation: forward skips internal headers too, so only this shows the stage itself works.
    const bare = createService({ telemetry: testTelemetry() });
    bare.register(requestContextStage);
    bare.register(headerHygieneStage, { trustedProxies: [] });
    bare.get('/headers', async (request) => request.headers);
    try {
      const res = await bare.inject({ url: '/headers', headers: { 'x-setgate-tenant': 't', 'X-SetGate-Min-Position': '1:2', 'if-match': '"1"' } });
      const seen = res.json() as Record<string, string>;
      assert.equal(seen['x-setgate-tenant'], undefined);
      assert.equal(seen['x-setgate-min-position'], undefined);
      assert.equal(seen['if-match'], '"1"');
    } finally {
      await bare.close();
    }
  });

  it('strips internal headers in any letter case and keeps the rest', () => {
    const headers: Record<string, unknown> = { 'x-setgate-set': 'a', 'X-SETGATE-NODE': 'b', 'if-match': '"3"', 'x-other': 'c' };
    stripInternalHeaders(headers);
    assert.deepEqual(headers, { 'if-match': '"3"', 'x-other': 'c' });
  });
});
