import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CheckName, checkHistory, type FinalState, type History, type Op, writeOutcome } from '../../src/drill/checker/index.js';

/** A small synthetic world: users u1, u2 on shard 3, replicated on nodes a, b, c. */
const NODES = ['a', 'b', 'c'];
let nextId = 0;

function op(fields: Partial<Op> & Pick<Op, 'kind' | 'invokeMs'>): Op {
  return {
    id: ++nextId,
    key: 'u1',
    shard: 3,
    session: 'u1',
    completeMs: fields.invokeMs + 10,
    outcome: 'ok',
    status: 200,
    attempts: 1,
    ...fields,
  };
}
const put = (value: string, invokeMs: number, more: Partial<Op> = {}) => op({ kind: 'profile.put', value, invokeMs, ...more });
const get = (value: string | null, invokeMs: number, more: Partial<Op> = {}) =>
  op({ kind: 'profile.get', value, invokeMs, withSession: true, boundMs: 5000, staleFallbackAllowed: true, ...more });
const add = (item: string, invokeMs: number, more: Partial<Op> = {}) => op({ kind: 'cart.add', item, invokeMs, idempotencyKey: `k-${item}`, ...more });
const cartGet = (items: Record<string, number>, invokeMs: number, more: Partial<Op> = {}) =>
  op({ kind: 'cart.get', items, invokeMs, withSession: true, boundMs: 0, ...more });

/** Every replica holds the same state, and the shard hashes agree. */
function converged(keys: Record<string, { profile: string | null; cart: Record<string, number> }>, hash = 'h1'): FinalState {
  return {
    keys: Object.fromEntries(
      Object.entries(keys).map(([key, v]) => [key, { shard: 3, replicas: NODES.map((node) => ({ node, ...v })) }]),
    ),
    shards: NODES.map((node, i) => ({ node, shard: 3, role: i === 0 ? 'leader' : 'follower', epoch: 2, lsn: 9, stateHash: hash })),
    unreadable: [],
  };
}

/** A clean history: puts, reads, appends, a retried append, reads with and without session. */
function cleanHistory(): History {
  const ops = [
    put('v1', 0),
    get('v1', 20),
    add('s1', 30),
    put('v2', 50),
    add('s2', 60, { attempts: 2 }),
    get('v2', 80),
    cartGet({ s1: 1, s2: 1 }, 90),
    get('v1', 100, { withSession: false }), // stale by 40 ms, within the 5 s bound
    put('v3', 120, { outcome: 'unknown', status: undefined, code: 'CLIENT_TIMEOUT', completeMs: 3000 }),
    add('s3', 130, { outcome: 'fail', status: 503, code: 'SETGATE_GW_WRITE_POINT_UNAVAILABLE' }),
    add('s4', 140, { outcome: 'unknown', status: 504 }),
    cartGet({ s1: 1, s2: 1 }, 3100),
  ];
  return { ops, final: converged({ u1: { profile: 'v2', cart: { s1: 1, s2: 1 } } }) };
}

function only(history: History, check: CheckName): void {
  const report = checkHistory(history);
  assert.equal(report.passed, false, `expected a ${check} violation`);
  assert.ok(report.counts[check] > 0, `expected ${check}, got ${JSON.stringify(report.counts)}`);
  for (const v of report.violations) assert.equal(v.check, check, `unexpected ${v.check}: ${v.detail}`);
}

describe('drill checker', () => {
  test('a clean history passes every check', () => {
    const report = checkHistory(cleanHistory());
    assert.deepEqual(report.violations, []);
    assert.equal(report.passed, true);
    assert.deepEqual(report.stats.writes, { ok: 4, fail: 1, unknown: 2 });
  });

  test('an unknown-outcome write that did take effect is legal at the end', () => {
    const h = cleanHistory();
    const report = checkHistory({ ...h, final: converged({ u1: { profile: 'v3', cart: { s1: 1, s2: 1, s4: 1 } } }) });
    assert.deepEqual(report.violations, []);
  });

  test('lost write: replicas hold an older value than the last acknowledged put', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: 'v1', cart: { s1: 1, s2: 1 } } }) }, 'lost-write');
  });

  test('lost write: the profile is gone', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: null, cart: { s1: 1, s2: 1 } } }) }, 'lost-write');
  });

  test('lost write: an acknowledged cart append is missing', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: 'v2', cart: { s1: 1 } } }) }, 'lost-write');
  });

  test('a write missing on an async shard whose loss the system reported is that loss, not a violation; unreported it is a lost write', () => {
    const h = cleanHistory();
    const final = converged({ u1: { profile: 'v1', cart: { s1: 1, s2: 1 } } });
    const reported = checkHistory({ ...h, final, reportedLossShards: [3] });
    assert.equal(reported.passed, true);
    assert.equal(reported.reportedAsyncLosses.length, 1);
    assert.equal(reported.reportedAsyncLosses[0]?.check, 'lost-write');
    only({ ...h, final, reportedLossShards: [7] }, 'lost-write');
  });

  test('phantom: a value never written is held', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: 'v9', cart: { s1: 1, s2: 1 } } }) }, 'phantom');
  });

  test('phantom: an append reported as not applied was applied', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: 'v2', cart: { s1: 1, s2: 1, s3: 1 } } }) }, 'phantom');
  });

  test('phantom: a read returns a value never written', () => {
    const h = cleanHistory();
    only({ ...h, ops: [...h.ops, get('zz', 3200)] }, 'phantom');
  });

  test('duplicate: a retried append applied twice', () => {
    const h = cleanHistory();
    only({ ...h, final: converged({ u1: { profile: 'v2', cart: { s1: 1, s2: 2 } } }) }, 'duplicate');
  });

  test('stale read: the replica reports staleness beyond the bound, not as stale fallback', () => {
    const h = cleanHistory();
    only({ ...h, ops: [...h.ops, get('v2', 3200, { withSession: false, served: { node: 'b', stalenessMs: 7200 } })] }, 'stale-read');
  });

  test('stale read: measured from the history for a read without session token', () => {
    const ops = [put('v1', 0), put('v2', 100), get('v1', 9000, { withSession: false })];
    only({ ops, final: converged({ u1: { profile: 'v2', cart: {} } }) }, 'stale-read');
  });

  test('stale read: a stale fallback the command allows and the answer declares is not a violation', () => {
    const ops = [put('v1', 0), put('v2', 100), get('v1', 9000, { withSession: false, served: { stalenessMs: 8800, staleFallback: true } })];
    assert.deepEqual(checkHistory({ ops, final: converged({ u1: { profile: 'v2', cart: {} } }) }).violations, []);
  });

  test("read-your-writes: a read with the session token returns an older value than the session's acked put", () => {
    const ops = [put('v1', 0), put('v2', 100), get('v1', 300)];
    only({ ops, final: converged({ u1: { profile: 'v2', cart: {} } }) }, 'read-your-writes');
  });

  test('read-your-writes: a cart read with the session token lacks an acknowledged append', () => {
    const h = cleanHistory();
    const ops = [add('t1', 0, { key: 'u2', session: 'u2' }), cartGet({}, 50, { key: 'u2', session: 'u2' })];
    only({ ops, final: { ...h.final, keys: { u2: { shard: 3, replicas: NODES.map((node) => ({ node, profile: null, cart: { t1: 1 } })) } } } }, 'read-your-writes');
  });

  test('monotonic read: a later read of the session returns an older value than an earlier one', () => {
    const ops = [
      put('v1', 0, { session: 'writer' }),
      put('v2', 100, { session: 'writer' }),
      get('v2', 200),
      get('v1', 300),
    ];
    only({ ops, final: converged({ u1: { profile: 'v2', cart: {} } }) }, 'monotonic-read');
  });

  test('monotonic read: an item seen by the session disappears from its later read', () => {
    const ops = [
      add('s1', 0, { outcome: 'unknown', status: 504, session: 'writer' }),
      cartGet({ s1: 1 }, 100),
      cartGet({}, 200),
    ];
    only({ ops, final: converged({ u1: { profile: null, cart: {} } }) }, 'monotonic-read');
  });

  test("divergence: replicas' state hashes differ", () => {
    const h = cleanHistory();
    const shards = h.final.shards.map((s, i) => (i === 2 ? { ...s, stateHash: 'h2' } : s));
    only({ ...h, final: { ...h.final, shards } }, 'divergence');
  });

  test('divergence: a replica holds another value, or could not be read', () => {
    const h = cleanHistory();
    const u1 = h.final.keys.u1 as FinalState['keys'][string];
    const replicas = u1.replicas.map((r) => (r.node === 'c' ? { ...r, profile: 'v3' } : r));
    only({ ...h, final: { ...h.final, keys: { u1: { ...u1, replicas } } } }, 'divergence');
    only({ ...h, final: { ...h.final, unreadable: [{ node: 'c', what: 'shard 3', error: 'ECONNREFUSED' }] } }, 'divergence');
  });

  test('write outcomes: 4xx and "not applied" codes are failures, other 5xx and no answer are unknown', () => {
    assert.equal(writeOutcome(201, undefined), 'ok');
    assert.equal(writeOutcome(409, 'SETGATE_NODE_STALE_EPOCH'), 'fail');
    assert.equal(writeOutcome(503, 'SETGATE_NODE_LEASE_EXPIRED'), 'fail');
    assert.equal(writeOutcome(503, 'SETGATE_NODE_REPLICATION_TIMEOUT'), 'unknown');
    assert.equal(writeOutcome(504, 'SETGATE_GW_UPSTREAM_TIMEOUT'), 'unknown');
    assert.equal(writeOutcome(undefined, 'CLIENT_TIMEOUT'), 'unknown');
  });
});
