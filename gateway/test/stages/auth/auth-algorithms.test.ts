import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { exportJWK, SignJWT } from 'jose';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer } from '../../helpers/tokens.js';
import { AUDIENCE } from '../../helpers/topology.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

const RSA_ISSUER = 'https://rsa.test.local';
const EC_ISSUER = 'https://ec.test.local';
const ED_ISSUER = 'https://ed.test.local';
const JWKS_ISSUER = 'https://jwks.test.local';
const API_KEY = 'sk_test_0123456789abcdef0123456789abcdef';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rotated = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();

function sign(alg: string, key: KeyObject | Uint8Array, issuer: string, kid?: string, claims: Record<string, unknown> = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject('carol')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}

describe('auth stage: asymmetric algorithms, JWKS and API keys', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let jwks: Server;
  let jwksFetches = 0;
  const jwksKeys: object[] = [];
  before(async () => {
    node = await startFakeNode();
    jwksKeys.push({ ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' });
    jwks = createServer((_req, res) => {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: jwksKeys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    app = testGateway({
      nodePort: node.port,
      edit: (doc) => {
        const auth = doc.auth as { issuers: object[]; apiKeys?: object[] };
        const issuer = (issuer: string, alg: string, extra: object) => ({ issuer, audience: AUDIENCE, algorithms: [alg], ...extra });
        auth.issuers.push(
          issuer(RSA_ISSUER, 'RS256', { publicKeys: [{ kid: 'rsa-1', alg: 'RS256', pem: pem(rsa.publicKey) }] }),
          issuer(EC_ISSUER, 'ES256', { publicKeys: [{ alg: 'ES256', pem: pem(ec.publicKey) }] }),
          issuer(ED_ISSUER, 'EdDSA', { publicKeys: [{ alg: 'EdDSA', pem: pem(ed.publicKey) }] }),
          issuer(JWKS_ISSUER, 'ES256', { jwks: { url: jwksUrl, cooldownMs: 60000 } }),
        );
        auth.apiKeys = [
          { id: 'partner', sha256: createHash('sha256').update(API_KEY).digest('hex'), tenant: 'acme', scopes: ['admin', 'audit'] },
        ];
      },
    });
  });
  after(async () => {
    await app.close();
    await node.close();
    jwks.closeAllConnections();
    await new Promise<void>((r) => jwks.close(() => r()));
  });

  const get = (headers: Record<string, string>, url = '/v1/profile') => app.inject({ url, headers });

  it('admits RS256, ES256 and EdDSA tokens from their issuers', async () => {
    for (const token of [
      await sign('RS256', rsa.privateKey, RSA_ISSUER, 'rsa-1'),
      await sign('ES256', ec.privateKey, EC_ISSUER),
      await sign('EdDSA', ed.privateKey, ED_ISSUER),
    ]) {
      const res = await get(bearer(token));
      assert.equal(res.statusCode, 200, res.body);
    }
  });

  it('refuses an algorithm the issuer is not pinned to', async () => {
    // A valid ES256 signature, but presented as the RSA issuer's.
    assertProblem(await get(bearer(await sign('ES256', ec.privateKey, RSA_ISSUER))), 401, 'SETGATE_GW_INVALID_TOKEN');
  });

  it('refuses an HS256 token keyed with the RSA public key (algorithm confusion)', async () => {
    const publicPem = new TextEncoder().encode(pem(createPublicKey(rsa.privateKey)));
    assertProblem(await get(bearer(await sign('HS256', publicPem, RSA_ISSUER, 'rsa-1'))), 401, 'SETGATE_GW_INVALID_TOKEN');
  });

  it('verifies through the JWKS and refetches it at most once per cooldown for unknown kids', async () => {
    const res = await get(bearer(await sign('ES256', ec.privateKey, JWKS_ISSUER, 'ec-1')));
    assert.equal(res.statusCode, 200, res.body);
    const fetched = jwksFetches;
    // A key the JWKS gained after the first fetch: within the cooldown it is not fetched again.
    jwksKeys.push({ ...(await exportJWK(rotated.publicKey)), kid: 'ec-2', alg: 'ES256', use: 'sig' });
    for (let i = 0; i < 3; i++) {
      const unknown = await sign('ES256', rotated.privateKey, JWKS_ISSUER, `nobody-${i}`);
      assertProblem(await get(bearer(unknown)), 401, 'SETGATE_GW_INVALID_TOKEN');
    }
    assert.ok(jwksFetches - fetched <= 1, `refetched ${jwksFetches - fetched} times`);
  });

  it('admits a configured API key with its tenant and scopes, and sends neither key nor token upstream', async () => {
    node.received.length = 0;
    const res = await get({ 'x-api-key': API_KEY }, '/v1/admin');
    assert.equal(res.statusCode, 200, res.body);
    const seen = node.received[0]?.headers;
    assert.equal(seen?.['x-setgate-tenant'], 'acme');
    assert.equal(seen?.['x-setgate-subject'], 'apikey:partner');
    assert.equal(seen?.['x-api-key'], undefined);
  });

  it('refuses an unknown API key', async () => {
    assertProblem(await get({ 'x-api-key': 'sk_test_wrong' }), 401, 'SETGATE_GW_INVALID_API_KEY');
  });
});
