import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken, unsecuredToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

describe('auth stage', () => {
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
  beforeEach(() => {
    node.received.length = 0;
  });

  const get = (headers: Record<string, string> = {}, url = '/v1/profile') => app.inject({ url, headers });

  /** A 401 problem with a Bearer challenge, and nothing reached the node. */
  function assertRefused(res: Awaited<ReturnType<typeof get>>, code: string): void {
    assertProblem(res, 401, code);
    assert.match(String(res.headers['www-authenticate']), /^Bearer /);
    assert.equal(node.received.length, 0);
  }

  it('admits a valid token and forwards its subject', async () => {
    const res = await get(bearer(await signToken({ sub: 'alice' })));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['x-setgate-subject'], 'alice');
  });

  it('refuses a request without a token', async () => {
    assertRefused(await get(), 'SETGATE_GW_UNAUTHENTICATED');
  });

  it('serves an anonymous command without credentials, asserting no subject to the node', async () => {
    const res = await get({}, '/v1/cards/c-7');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['x-setgate-key'], 'c-7');
    assert.equal(node.received[0]?.headers['x-setgate-subject'], undefined);
  });

  it('still checks credentials sent to an anonymous command', async () => {
    assertRefused(await get({ authorization: 'Bearer not.a.jwt' }, '/v1/cards/c-7'), 'SETGATE_GW_INVALID_TOKEN');
    const res = await get(bearer(await signToken({ sub: 'erin' })), '/v1/cards/c-7');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node.received[0]?.headers['x-setgate-subject'], 'erin');
  });

  it('refuses another auth scheme', async () => {
    assertRefused(await get({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), 'SETGATE_GW_UNAUTHENTICATED');
  });

  it('refuses a token with a tampered payload (bad signature)', async () => {
    const [h, , s] = (await signToken({ sub: 'alice' })).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: 'https://auth.test.local', aud: 'setgate-test', sub: 'root', exp: 9999999999 })).toString(
      'base64url',
    );
    assertRefused(await get(bearer(`${h}.${forged}.${s}`)), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses an HS256 token signed with a different secret', async () => {
    assertRefused(await get(bearer(await signToken({ secret: 'another-secret-that-is-32-characters-long' }))), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses an expired token (past the clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const res = await get(bearer(await signToken({ nowSec: now - 3600, exp: now - 60 })));
    assertRefused(res, 'SETGATE_GW_INVALID_TOKEN');
    assert.match(res.json().detail, /expired/);
  });

  it('refuses a token that is not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertRefused(await get(bearer(await signToken({ nbf: now + 600 }))), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses a token for another audience', async () => {
    assertRefused(await get(bearer(await signToken({ audience: 'someone-else' }))), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses a token from an issuer it does not trust', async () => {
    assertRefused(await get(bearer(await signToken({ issuer: 'https://evil.example' }))), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses an unsecured token (alg: none)', async () => {
    assertRefused(await get(bearer(unsecuredToken())), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses garbage', async () => {
    assertRefused(await get(bearer('not-a-jwt')), 'SETGATE_GW_INVALID_TOKEN');
  });

  it('accepts a token without a kid by trying the issuer keys', async () => {
    const res = await get(bearer(await signToken({ kid: null })));
    assert.equal(res.statusCode, 200, res.body);
  });

  it("refuses with 403 when the token lacks one of the command's scopes", async () => {
    const res = await get(bearer(await signToken({ scope: 'admin read' })), '/v1/admin');
    assertProblem(res, 403, 'SETGATE_GW_INSUFFICIENT_SCOPE');
    assert.match(String(res.headers['www-authenticate']), /insufficient_scope/);
    assert.equal(node.received.length, 0);
  });

  it('admits a token holding every scope of the command', async () => {
    const res = await get(bearer(await signToken({ scope: 'read audit admin' })), '/v1/admin');
    assert.equal(res.statusCode, 200, res.body);
  });

  it('verifies a token once and serves the next request from the cache', async () => {
    const fresh = testGateway({ nodePort: node.port });
    try {
      const headers = bearer(await signToken({ sub: 'cached' }));
      assert.equal((await fresh.inject({ url: '/v1/profile', headers })).statusCode, 200);
      assert.equal((await fresh.inject({ url: '/v1/profile', headers })).statusCode, 200);
      assert.deepEqual(fresh.tokenAuthenticator.stats, { verifications: 1, cacheHits: 1 });
    } finally {
      await fresh.close();
    }
  });
});
