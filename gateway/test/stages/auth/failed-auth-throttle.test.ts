import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailedAuthThrottle } from '../../../src/stages/auth/failed-auth-throttle.js';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';

describe('FailedAuthThrottle', () => {
  it('blocks an address after max failures until its window ends, then starts over', () => {
    let now = 1_000;
    const t = new FailedAuthThrottle({ max: 3, windowMs: 10_000, maxAddresses: 100 }, () => now);
    assert.equal(t.tracking, false);
    for (let i = 0; i < 2; i++) t.recordFailure('192.0.2.1');
    assert.equal(t.blockedForMs('192.0.2.1'), 0, 'under the limit');
    t.recordFailure('192.0.2.1');
    now += 4_000;
    assert.equal(t.blockedForMs('192.0.2.1'), 6_000);
    assert.equal(t.blockedForMs('192.0.2.2'), 0, 'another address is not affected');
    now += 6_000;
    assert.equal(t.blockedForMs('192.0.2.1'), 0, 'the window is over');
    t.recordFailure('192.0.2.1');
    assert.equal(t.blockedForMs('192.0.2.1'), 0, 'a new window counts from one');
  });

  it('tracks at most maxAddresses, dropping the oldest window', () => {
    const now = 0;
    const t = new FailedAuthThrottle({ max: 1, windowMs: 60_000, maxAddresses: 3 }, () => now);
    for (const a of ['a', 'b', 'c', 'd']) t.recordFailure(a);
    assert.equal(t.size, 3);
    assert.equal(t.blockedForMs('a'), 0, 'the oldest was dropped');
    assert.ok(t.blockedForMs('d') > 0);
  });
});

describe('auth stage: failed-authentication throttle', () => {
  const app = () =>
    testGateway({
      nodePort: 9,
      edit: (doc) => {
        doc.gateway = { fairness: { failedAuth: { max: 3, windowMs: 60_000 } } };
      },
    });

  it('answers 429 problem+json with Retry-After after max 401s from one address, before checking credentials', async () => {
    const gw = app();
    try {
      const from = { remoteAddress: '198.51.100.20' };
      for (let i = 0; i < 3; i++) {
        const res = await gw.inject({ url: '/v1/profile', ...from, headers: bearer(`forged.${i}.x`) });
        assertProblem(res, 401, 'SETGATE_GW_INVALID_TOKEN');
      }
      const verifiedBefore = gw.tokenAuthenticator.stats.verifications;
      // Even a valid token is refused now: the address is throttled, and nothing is verified for it.
      const good = bearer(await signToken({ sub: 'u-1' }));
      const throttled = await gw.inject({ url: '/v1/profile', ...from, headers: good });
      assertProblem(throttled, 429, 'SETGATE_GW_AUTH_THROTTLED');
      const retryAfter = Number(throttled.headers['retry-after']);
      assert.ok(retryAfter >= 59 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(gw.tokenAuthenticator.stats.verifications, verifiedBefore);
      // Missing credentials and bad API keys count too; another address is not throttled.
      const other = { remoteAddress: '198.51.100.21' };
      assertProblem(await gw.inject({ url: '/v1/profile', ...other }), 401, 'SETGATE_GW_UNAUTHENTICATED');
      assertProblem(await gw.inject({ url: '/v1/profile', ...other, headers: { 'x-api-key': 'nope' } }), 401, 'SETGATE_GW_INVALID_API_KEY');
      assert.notEqual((await gw.inject({ url: '/v1/profile', ...other, headers: good })).statusCode, 429);
    } finally {
      await gw.close();
    }
  });
});
