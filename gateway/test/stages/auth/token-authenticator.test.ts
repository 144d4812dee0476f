import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SetgateError } from '@setgate/contracts';
import { TokenAuthenticator } from '../../../src/stages/auth/token-authenticator.js';
import { signToken } from '../../helpers/tokens.js';
import { testTopology } from '../../helpers/topology.js';

const auth = testTopology({ nodePort: 9 }).auth;

async function rejectsWith401(p: unknown): Promise<void> {
  await assert.rejects(Promise.resolve(p), (err: unknown) => err instanceof SetgateError && err.status === 401);
}

describe('token authenticator', () => {
  it('returns the principal with subject and scopes', async () => {
    const a = await TokenAuthenticator.create({ auth, cacheSize: 10 });
    const p = await a.authenticate(await signToken({ sub: 'bob', scope: 'read write' }));
    assert.equal(p.subject, 'bob');
    assert.deepEqual([...p.scopes].sort(), ['read', 'write']);
  });

  it('verifies once, then answers from the cache synchronously', async () => {
    const a = await TokenAuthenticator.create({ auth, cacheSize: 10 });
    const token = await signToken();
    const first = a.authenticate(token);
    assert.equal(first instanceof Promise, true);
    await first;
    const second = a.authenticate(token);
    assert.equal(second instanceof Promise, false, 'a hot token costs a lookup');
    assert.deepEqual(a.stats, { verifications: 1, cacheHits: 1 });
  });

  it('does not cache refused tokens', async () => {
    const a = await TokenAuthenticator.create({ auth, cacheSize: 10 });
    const bad = await signToken({ secret: 'another-secret-that-is-32-characters-long' });
    await rejectsWith401(a.authenticate(bad));
    await rejectsWith401(a.authenticate(bad));
    assert.equal(a.stats.verifications, 2);
    assert.equal(a.stats.cacheHits, 0);
  });

  it('refuses a validly signed token whose subject or tenant no node header can carry with 400, and never caches it', async () => {
    const a = await TokenAuthenticator.create({ auth, cacheSize: 10 });
    const cases: Array<[Parameters<typeof signToken>[0], RegExp]> = [
      [{ sub: 'ctl\u0001char' }, /subject has a space, control or non-latin1 character at position 3/],
      [{ sub: '\u03a9mega' }, /subject has a space, control or non-latin1 character at position 0/],
      [{ sub: 's'.repeat(256) }, /subject is 256 characters long/],
      [{ sub: 'split\r\nx-setgate-tenant: evil' }, /subject has a space, control/],
      [{ sub: 'ok', claims: { tenant: 'acme\u0000' } }, /tenant claim tenant has a space, control/],
    ];
    for (const [opts, detail] of cases) {
      const token = await signToken(opts);
      for (let i = 0; i < 2; i++) {
        await assert.rejects(Promise.resolve(a.authenticate(token)), (err: unknown) => {
          assert.ok(err instanceof SetgateError);
          assert.equal(err.code, 'SETGATE_GW_INVALID_SUBJECT');
          assert.equal(err.status, 400);
          assert.match(err.message, detail);
          return true;
        });
      }
    }
    assert.equal(a.stats.cacheHits, 0);
    // Latin1 subjects are carried as they are.
    assert.equal((await a.authenticate(await signToken({ sub: 'user/ünï' }))).subject, 'user/ünï');
  });

  it('stops serving a cached token once it expires (exp + tolerance)', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const a = await TokenAuthenticator.create({ auth, cacheSize: 10, now: () => nowMs });
    const nowSec = nowMs / 1000;
    const token = await signToken({ nowSec, exp: nowSec + 60 });
    await a.authenticate(token);
    nowMs += 60_000 + auth.clockToleranceSec * 1000 - 1;
    assert.equal(a.authenticate(token) instanceof Promise, false, 'still valid within the tolerance');
    nowMs += 1;
    await rejectsWith401(a.authenticate(token));
  });

  it('keeps at most cacheSize tokens', async () => {
    const a = await TokenAuthenticator.create({ auth, cacheSize: 2 });
    const [t1, t2, t3] = await Promise.all([signToken({ sub: 'u1' }), signToken({ sub: 'u2' }), signToken({ sub: 'u3' })]);
    for (const t of [t1, t2, t3]) await a.authenticate(t);
    assert.equal(a.stats.verifications, 3);
    await a.authenticate(t3);
    await a.authenticate(t1);
    assert.deepEqual(a.stats, { verifications: 4, cacheHits: 1 }, 'the oldest token was evicted');
  });
});
