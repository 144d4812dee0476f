import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maxVus, usersOfVu } from '../lib/partition.js';

describe('k6 lib/partition.js', () => {
  it('gives every VU users of its own when there are enough: disjoint, and together every user', () => {
    for (const [count, vus] of [[10, 10], [100, 7], [1000, 64], [5, 1]] as const) {
      const owner = new Map<number, number>();
      for (let vu = 1; vu <= vus; vu++) {
        const mine = usersOfVu({ count }, vu, vus);
        assert.equal(mine.exclusive, true);
        assert.ok(mine.indices.length > 0, `VU ${vu} of ${vus} has users`);
        for (const i of mine.indices) {
          assert.equal(owner.get(i), undefined, `user ${i} owned by VU ${owner.get(i)} and VU ${vu}`);
          owner.set(i, vu);
        }
      }
      assert.equal(owner.size, count);
    }
  });

  it('says users are shared when VUs outnumber them, or a VU lies beyond the count', () => {
    assert.deepEqual(usersOfVu({ count: 3 }, 5, 10), { indices: [1], exclusive: false });
    assert.equal(usersOfVu({ count: 100 }, 11, 10).exclusive, false);
  });

  it('counts the VUs of every executor the scripts use', () => {
    assert.equal(
      maxVus({
        a: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 5, maxVUs: 40 },
        b: { executor: 'ramping-arrival-rate', stages: [], preAllocatedVUs: 7 },
        c: { executor: 'shared-iterations', vus: 1, iterations: 1 },
        d: { executor: 'ramping-vus', stages: [{ target: 12, duration: '1s' }, { target: 3, duration: '1s' }] },
        e: { executor: 'per-vu-iterations' },
      }),
      40 + 7 + 1 + 12 + 1,
    );
  });
});
