import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WindowCounters } from '../../../src/stages/rate-limit/window-counters.js';

describe('window counters', () => {
  it('counts in windows aligned to the window length and resets at the boundary', () => {
    const c = new WindowCounters('local');
    assert.deepEqual(c.incr('k', 1000, 5_200), { current: 1, ttl: 800 });
    assert.deepEqual(c.incr('k', 1000, 5_999), { current: 2, ttl: 1 });
    assert.deepEqual(c.incr('k', 1000, 6_000), { current: 1, ttl: 1000 });
  });

  it('in shared mode adds local counts to the last region-wide total and never loses a failed batch', () => {
    const c = new WindowCounters('shared');
    c.incr('k', 1000, 100);
    c.incr('k', 1000, 100);
    const batch = c.takeBatch(100);
    assert.equal(batch[0]?.inFlight, 2);
    // Counted while the batch is out: still seen.
    assert.equal(c.incr('k', 1000, 150).current, 3);
    c.restore(batch);
    const again = c.takeBatch(200);
    assert.equal(again[0]?.inFlight, 3);
    c.settle(again, [10]); // other gateways added 7
    assert.equal(c.incr('k', 1000, 300).current, 11);
  });

  it('drops finished windows when taking a batch', () => {
    const c = new WindowCounters('shared');
    c.incr('a', 1000, 100);
    assert.equal(c.takeBatch(1000).length, 0);
    assert.equal(c.size, 0);
  });
});
