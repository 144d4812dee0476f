import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SessionTokens } from '../src/stages/routing/session-token.js';
import { testGateway } from './helpers/gateway.js';
import { bearer, signToken } from './helpers/tokens.js';

/** Issue 12: the gateway reads its secrets where the config's references point, at start, and never says them. */
describe('gateway secrets by reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-gw-secrets-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads an issuer key from a file reference and verifies tokens signed with it', async () => {
    const file = join(dir, 'jwt-key');
    const key = 'a-file-held-issuer-key-of-32-characters-or-more';
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    const app = testGateway({
      nodePort: 9,
      edit: (d) => {
        ((d.auth as { issuers: Array<{ keys: Array<{ secret: unknown }> }> }).issuers[0]?.keys[0] as { secret: unknown }).secret = { file };
      },
    });
    try {
      // No node listens on port 9: a verified caller gets past auth (the answer is not 401).
      const ok = await app.inject({ url: '/v1/profile', headers: bearer(await signToken({ secret: key })) });
      assert.notEqual(ok.statusCode, 401, ok.body);
      const forged = await app.inject({ url: '/v1/profile', headers: bearer(await signToken()) });
      assert.equal(forged.statusCode, 401);
    } finally {
      await app.close();
    }
  });

  it('does not start when a referenced secret is missing, naming the variable and never a value', async () => {
    const app = testGateway({
      nodePort: 9,
      edit: (d) => {
        ((d.auth as { issuers: Array<{ keys: Array<{ secret: unknown }> }> }).issuers[0]?.keys[0] as { secret: unknown }).secret = { env: 'SETGATE_TEST_NEVER_SET' };
      },
    });
    await assert.rejects(async () => {
      await app.ready();
    }, (e: Error & { code?: string }) => e.code === 'SETGATE_CONFIG_SECRET_UNRESOLVED' && /environment variable SETGATE_TEST_NEVER_SET is not set/.test(e.message));
    await app.close().catch(() => {});
    assert.throws(
      () => testGateway({ nodePort: 9, edit: (d) => ((d.gateway as Record<string, unknown>) = { sessionTokenSecret: { env: 'SETGATE_TEST_NEVER_SET_EITHER' } }) }),
      /gateway\.sessionTokenSecret: environment variable SETGATE_TEST_NEVER_SET_EITHER is not set/,
    );
  });

  it('rotates the session-token key without downtime: tokens of the previous key are honoured, new ones signed with the current key', () => {
    const oldKey = 'session-key-being-rotated-out-0123456789';
    const newKey = 'session-key-rotated-in-now-abcdefghijklmn';
    const before = new SessionTokens(oldKey);
    const during = new SessionTokens(newKey, oldKey);
    const positions = new Map([[4, { epoch: 3, lsn: 17 }]]);
    const issuedBefore = before.issue(positions);
    assert.deepEqual(during.parse(issuedBefore), positions, 'an old token still reads its own writes');
    const issuedDuring = during.issue(positions);
    assert.deepEqual(new SessionTokens(newKey).parse(issuedDuring), positions, 'new tokens need only the new key');
    assert.equal(before.parse(issuedDuring), undefined);
    assert.equal(new SessionTokens(newKey).parse(issuedBefore), undefined, 'once the previous key is dropped, its tokens are refused');
  });
});
