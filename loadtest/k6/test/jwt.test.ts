import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { TokenAuthenticator } from '@setgate/gateway';
import { jwtVerify } from 'jose';
import { base64url, type Signer, signHs256 } from '../lib/jwt.js';

const topology = loadTopologyFile(new URL('../../../config/topology.yaml', import.meta.url).pathname);
const issuer = topology.auth.issuers[0];
const key = issuer?.keys[0];
const variable = key?.secret.env;
if (!issuer || !key || !variable) throw new Error('config/topology.yaml has no HS256 issuer key given by environment variable');
// The topology names its key by reference; this test plays the environment npm start sets up (the gateway reads it there too).
const secret = randomBytes(32).toString('base64url');
process.env[variable] = secret;

/** What k6/crypto's `hmac('sha256', secret, data, 'base64rawurl')` returns, from node:crypto. */
const hmacOf = (s: string) => (data: string) => createHmac('sha256', s).update(data).digest('base64url');

const signer = (s: string): Signer => ({ issuer: issuer.issuer, audience: issuer.audience, ...(key.kid ? { kid: key.kid } : {}), hmac: hmacOf(s) });
const nowSec = () => Math.floor(Date.now() / 1000);

describe('k6 lib/jwt.js: the HS256 tokens the k6 scripts sign', () => {
  it('are accepted by the gateway token authenticator configured from the topology', async () => {
    const auth = await TokenAuthenticator.create({ auth: topology.auth, cacheSize: 10 });
    const token = signHs256(signer(secret), { sub: 'k6-user-7', nowSec: nowSec(), ttlSec: 600, scope: 'shop' });
    const principal = await auth.authenticate(token);
    assert.equal(principal.subject, 'k6-user-7');
    assert.equal(principal.issuer, issuer.issuer);
    assert.deepEqual([...principal.scopes], ['shop']);
  });

  it('verify with jose against the issuer, audience and key id the topology declares', async () => {
    const token = signHs256(signer(secret), { sub: 'Zoë-𝄞', nowSec: nowSec(), ttlSec: 60 });
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: ['HS256'],
    });
    assert.equal(payload.sub, 'Zoë-𝄞');
    assert.equal(protectedHeader.kid, key.kid);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 60);
  });

  it('are refused by the gateway when signed with another secret or expired', async () => {
    const auth = await TokenAuthenticator.create({ auth: topology.auth, cacheSize: 10 });
    const forged = signHs256(signer(`${secret}-not`), { sub: 'k6-user-1', nowSec: nowSec(), ttlSec: 600 });
    await assert.rejects(async () => auth.authenticate(forged), { code: 'SETGATE_GW_INVALID_TOKEN' });
    const expired = signHs256(signer(secret), { sub: 'k6-user-1', nowSec: nowSec() - 7200, ttlSec: 600 });
    await assert.rejects(async () => auth.authenticate(expired), { code: 'SETGATE_GW_INVALID_TOKEN' });
  });

  it('base64url-encodes UTF-8 exactly as node:crypto does, padding dropped', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', '{"alg":"HS256"}', 'é', '€uro', '𝄞 clef', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      assert.equal(base64url(s), Buffer.from(s, 'utf8').toString('base64url'), JSON.stringify(s));
    }
  });
});
