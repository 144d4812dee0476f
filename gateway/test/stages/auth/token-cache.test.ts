import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCache } from '../../../src/stages/auth/token-cache.js';

describe('token cache', () => {
  it('serves an entry until validUntilMs, then forgets it', () => {
    const cache = new TokenCache<{ validUntilMs: number }>(4);
    cache.set('t', { validUntilMs: 1000 });
    assert.deepEqual(cache.get('t', 999), { validUntilMs: 1000 });
    assert.equal(cache.get('t', 1000), undefined);
    assert.equal(cache.size, 0);
  });

  it('evicts the oldest entry at capacity', () => {
    const cache = new TokenCache<{ validUntilMs: number }>(2);
    cache.set('a', { validUntilMs: 10 });
    cache.set('b', { validUntilMs: 10 });
    cache.set('c', { validUntilMs: 10 });
    assert.equal(cache.get('a', 0), undefined);
    assert.ok(cache.get('b', 0));
    assert.ok(cache.get('c', 0));
    assert.equal(cache.size, 2);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new TokenCache(0), RangeError);
  });
});
