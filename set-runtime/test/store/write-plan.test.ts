import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WriteRequest } from '../../src/store/types.js';
import { EMPTY_META, type IdempotencyRecord, planWrite, type ShardMeta } from '../../src/store/write-plan.js';

const put = (value: unknown, extra: Partial<WriteRequest> = {}): WriteRequest => ({
  collection: 'kv',
  key: 'k',
  epoch: 1,
  decide: () => ({ op: 'put', value }),
  ...extra,
});
const meta = (lastLsn: number, epoch: number): ShardMeta => ({ lastLsn, epochs: [{ epoch, startLsn: 1 }], keys: 1 });
const base = { current: undefined, prior: undefined, now: 1000, idempotencyWindowMs: 100 };

describe('planWrite', () => {
  it('appends the next LSN and opens the epoch history on the first write', () => {
    const plan = planWrite({ ...base, request: put('v'), meta: EMPTY_META });
    assert.equal(plan.kind, 'append');
    if (plan.kind !== 'append') return;
    assert.deepEqual(plan.entry, {
      epoch: 1, lsn: 1, op: 'put', collection: 'kv', key: 'k', value: 'v', idempotencyKey: null, fingerprint: null, time: 1000, prev: null,
    });
    assert.deepEqual(plan.result.record, { value: 'v', version: 1 });
    assert.equal(plan.result.created, true);
    assert.deepEqual(plan.meta, { lastLsn: 1, epochs: [{ epoch: 1, startLsn: 1 }], keys: 1, logStart: 1 });
  });

  it('fences a write older than the newest epoch', () => {
    const plan = planWrite({ ...base, request: put('v', { epoch: 1 }), meta: meta(5, 2) });
    assert.deepEqual(plan, { kind: 'answer', outcome: { kind: 'stale-epoch', position: { epoch: 2, lsn: 5 } } });
  });

  it('starts a new epoch at the LSN of its first write', () => {
    const plan = planWrite({ ...base, request: put('v', { epoch: 4 }), meta: meta(5, 2), current: { value: 1, version: 5 } });
    assert.equal(plan.kind, 'append');
    if (plan.kind !== 'append') return;
    assert.deepEqual(plan.meta.epochs, [{ epoch: 2, startLsn: 1 }, { epoch: 4, startLsn: 6 }]);
    assert.equal(plan.meta.keys, 1, 'replacing a record keeps the key count');
  });

  it('checks version, absent and present preconditions', () => {
    const current = { value: 'old', version: 3 };
    const kindOf = (request: WriteRequest, cur: typeof current | undefined) => {
      const plan = planWrite({ ...base, request, meta: meta(3, 1), current: cur });
      return plan.kind === 'answer' ? plan.outcome.kind : plan.kind;
    };
    assert.equal(kindOf(put('v', { precondition: { kind: 'version', version: 3 } }), current), 'append');
    assert.equal(kindOf(put('v', { precondition: { kind: 'version', version: 2 } }), current), 'precondition-failed');
    assert.equal(kindOf(put('v', { precondition: { kind: 'version', version: 3 } }), undefined), 'precondition-failed');
    assert.equal(kindOf(put('v', { precondition: { kind: 'absent' } }), current), 'precondition-failed');
    assert.equal(kindOf(put('v', { precondition: { kind: 'present' } }), current), 'append');
    assert.equal(kindOf(put('v', { precondition: { kind: 'absent' } }), undefined), 'append');
    assert.equal(kindOf(put('v', { precondition: { kind: 'present' } }), undefined), 'precondition-failed');
  });

  it('replays a known idempotency key, refuses it for another request, forgets it after the window', () => {
    const first = planWrite({ ...base, request: put('v', { idempotencyKey: 'i', fingerprint: 'f' }), meta: EMPTY_META });
    assert.equal(first.kind, 'append');
    if (first.kind !== 'append') return;
    const prior: IdempotencyRecord = { collection: 'kv', key: 'k', fingerprint: 'f', result: first.result, time: 1000 };
    const again = (extra: Partial<WriteRequest>, now = 1050) =>
      planWrite({ ...base, now, prior, request: put('v', { idempotencyKey: 'i', fingerprint: 'f', ...extra }), meta: meta(1, 1) });
    assert.deepEqual(again({}), { kind: 'answer', outcome: { kind: 'applied', result: first.result, replayed: true } });
    const conflict = again({ fingerprint: 'other' });
    assert.equal(conflict.kind === 'answer' && conflict.outcome.kind, 'idempotency-conflict');
    const otherKey = again({ key: 'k2' });
    assert.equal(otherKey.kind === 'answer' && otherKey.outcome.kind, 'idempotency-conflict');
    assert.equal(again({}, 1100).kind, 'append', 'an expired key is a new write');
  });

  it("returns the caller's refusal and refuses deleting nothing", () => {
    const refused = planWrite({
      ...base,
      request: { ...put(null), decide: () => ({ refused: 'item-not-found', detail: 'x' }) },
      meta: EMPTY_META,
    });
    assert.equal(refused.kind === 'answer' && refused.outcome.kind === 'refused' && refused.outcome.reason, 'item-not-found');
    const del = planWrite({ ...base, request: { ...put(null), decide: () => ({ op: 'delete' }) }, meta: EMPTY_META });
    assert.equal(del.kind === 'answer' && del.outcome.kind === 'refused' && del.outcome.reason, 'not-found');
  });

  it('a delete removes the record and lowers the key count', () => {
    const plan = planWrite({
      ...base,
      request: { ...put(null), decide: () => ({ op: 'delete' }) },
      meta: meta(2, 1),
      current: { value: 'x', version: 2 },
    });
    assert.equal(plan.kind, 'append');
    if (plan.kind !== 'append') return;
    assert.equal(plan.entry.op, 'delete');
    assert.equal(plan.entry.value, null);
    assert.equal(plan.result.record, null);
    assert.equal(plan.meta.keys, 0);
  });
});
