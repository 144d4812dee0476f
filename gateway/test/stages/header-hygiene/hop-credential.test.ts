import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HopSecrets } from '@setgate/contracts';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

/**
 * With the stack's hop secrets a gateway believes X-Forwarded-For only from a caller that proves it is
 * a regional proxy (x-setgate-hop), answers clients that reach it directly with their JWT as before,
 * refuses a wrong hop credential, and sends the node the hop secret in place of the client's token.
 */
describe('gateway hop credential', () => {
  const secrets = new HopSecrets('current-hop-secret-0123456789abcdef', ['previous-hop-secret-0123456789abcd']);
  let node: FakeNode;
  let app: FastifyInstance;
  let token: string;
  before(async () => {
    node = await startFakeNode();
    app = testGateway({ nodePort: node.port }, { hopSecrets: secrets });
    token = await signToken({ sub: 'alice' });
  });
  after(async () => {
    await app.close();
    await node.close();
  });
  beforeEach(() => {
    node.received.length = 0;
  });

  const trustedPeer = { remoteAddress: '127.0.0.1' };

  it('believes a proxy holding the current or the previous secret', async () => {
    for (const hop of [secrets.current, 'previous-hop-secret-0123456789abcd']) {
      const res = await app.inject({ url: '/v1/profile', ...trustedPeer, headers: { ...bearer(token), 'x-setgate-hop': hop, 'x-forwarded-for': '198.51.100.7' } });
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.deepEqual(
      node.received.map((r) => r.headers['x-forwarded-for']),
      ['198.51.100.7', '198.51.100.7'],
    );
  });

  it('serves a client that reaches the gateway directly, as its own socket peer whatever chain it sends', async () => {
    const res = await app.inject({ url: '/v1/profile', ...trustedPeer, headers: { ...bearer(token), 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('refuses a wrong or rotated-out hop credential before anything is forwarded', async () => {
    for (const hop of ['retired-hop-secret-0123456789abcdef', `${secrets.current}x`, '']) {
      const res = await app.inject({ url: '/v1/profile', ...trustedPeer, headers: { ...bearer(token), 'x-setgate-hop': hop } });
      assertProblem(res, 401, 'SETGATE_GW_HOP_UNAUTHENTICATED');
    }
    assert.equal(node.received.length, 0);
  });

  it("sends the node the hop secret, never the client's token nor the proxy's hop header", async () => {
    const res = await app.inject({ url: '/v1/profile', ...trustedPeer, headers: { ...bearer(token), 'x-setgate-hop': secrets.current } });
    assert.equal(res.statusCode, 200, res.body);
    const got = node.received[0]?.headers;
    assert.equal(got?.authorization, `Bearer ${secrets.current}`);
    assert.equal(got?.['x-setgate-hop'], undefined);
  });
});
