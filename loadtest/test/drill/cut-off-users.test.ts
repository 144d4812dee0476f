import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Op } from '../../src/drill/checker/history.js';
import { cutOffUsers } from '../../src/drill/cut-off-users.js';

let id = 0;
const op = (over: Partial<Op>): Op => ({
  id: ++id,
  kind: 'profile.get',
  key: over.session ?? 'u1',
  shard: 0,
  session: 'u1',
  invokeMs: 1500,
  completeMs: 1600,
  outcome: 'ok',
  attempts: 1,
  ...over,
});

test("follows only the cut-off region's users, only inside the window, by the region that took each op", () => {
  const ops = [
    op({ via: 'eu-west' }),
    op({ via: 'eu-west', served: { staleFallback: true } }),
    op({ via: 'eu-west', outcome: 'fail', status: 503 }),
    op({ kind: 'profile.put', via: 'eu-west' }),
    op({ kind: 'cart.add', via: 'ap-south', outcome: 'unknown' }),
    op({ kind: 'profile.put', via: 'eu-west', outcome: 'fail', status: 503 }),
    op({ via: 'us-east', invokeMs: 900 }), // before the cut
    op({ via: 'us-east', invokeMs: 3000 }), // at the heal: after the window
    op({ session: 'u9', via: 'us-east' }), // another region's user
  ];
  const c = cutOffUsers(ops, 'us-east', new Set(['u1', 'u2']), 1000, 3000);
  assert.equal(c.users, 2);
  assert.deepEqual(c.via, { 'eu-west': 5, 'ap-south': 1 });
  assert.deepEqual(c.reads, { ok: 2, fail: 1, unknown: 0, staleFallback: 1 });
  assert.deepEqual(c.writes, { ok: 1, fail: 1, unknown: 1 });
});
