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
