import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LmdbNodeStore } from '../../src/store/lmdb-store.js';
import type { ShardStore, WriteOutcome, WriteRequest } from '../../src/store/types.js';
import { tempDir } from '../helpers/node.js';

const put = (key: string, value: unknown, extra: Partial<WriteRequest> = {}): WriteRequest => ({
  collection: 'kv',
  key,
  epoch: 1,
  decide: () => ({ op: 'put', value }),
  ...extra,
});
const increment = (key: string): WriteRequest => ({
  collection: 'kv',
  key,
  epoch: 1,
  decide: (current) => ({ op: 'put', value: ((current?.value as number | undefined) ?? 0) + 1 }),
});
const applied = (o: WriteOutcome) => {
  assert.equal(o.kind, 'applied', `expected applied, got ${o.kind}`);
  return (o as Extract<WriteOutcome, { kind: 'applied' }>).result;
};

describe('LmdbNodeStore', () => {
  const tmp = tempDir();
  let store: LmdbNodeStore;
  let clock = 1_000_000;
  before(() => {
    store = LmdbNodeStore.open({ dir: tmp.dir, now: () => clock, idempotencyWindowMs: 1000 });
  });
  after(async () => {
    await store.close();
    tmp.remove();
  });

  it('appends each write to the log and applies it to the state together', async () => {
    const s = store.shard(1);
    const r = applied(await s.write(put('a', { n: 1 })));
    assert.deepEqual(s.get('kv', 'a'), { value: { n: 1 }, version: r.lsn });
    assert.deepEqual(s.readLog(r.lsn, 10), [
      { epoch: 1, lsn: r.lsn, op: 'put', collection: 'kv', key: 'a', value: { n: 1 }, idempotencyKey: null, time: clock },
    ]);
    assert.deepEqual(s.position(), { epoch: 1, lsn: r.lsn });
    assert.equal(s.keyCount(), 1);
  });

  it('a write that fails half-way leaves neither log entry nor state behind', async () => {
    const s = store.shard(2);
    applied(await s.write(put('ok', 1)));
    const before = s.position();
    // LMDB refuses keys this long: the log entry goes in first, then the state put throws.
    const hugeKey = 'x'.repeat(4000);
    await assert.rejects(s.write(put(hugeKey, 2)));
    assert.deepEqual(s.position(), before);
    assert.deepEqual(s.readLog(before.lsn + 1, 10), []);
    assert.equal(s.keyCount(), 1);
    // The shard keeps working after the rolled-back write.
    assert.equal(applied(await s.write(put('ok', 3))).lsn, before.lsn + 1);
  });

  it('concurrent writes get consecutive LSNs and read-modify-writes lose nothing', async () => {
    const s = store.shard(3);
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => s.write(increment('counter'))));
    const lsns = outcomes.map((o) => applied(o).lsn).sort((a, b) => a - b);
    assert.deepEqual(lsns, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(s.get('kv', 'counter'), { value: 40, version: 40 });
  });

  it('compare-and-set lets exactly one of several writers with the same version win', async () => {
    const s = store.shard(4);
    const v = applied(await s.write(put('doc', 'v0'))).lsn;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.write(put('doc', `v${i + 1}`, { precondition: { kind: 'version', version: v } }))),
    );
    assert.equal(outcomes.filter((o) => o.kind === 'applied').length, 1);
    const failed = outcomes.filter((o) => o.kind === 'precondition-failed');
    assert.equal(failed.length, 9);
    const current = s.get('kv', 'doc');
    assert.equal(current?.version, v + 1);
    for (const f of failed) assert.deepEqual(f.kind === 'precondition-failed' && f.current, current);
  });

  it('create-only writes: the first wins', async () => {
    const s = store.shard(5);
    const outcomes = await Promise.all([1, 2, 3].map((n) => s.write(put('once', n, { precondition: { kind: 'absent' } }))));
    assert.deepEqual(outcomes.map((o) => o.kind), ['applied', 'precondition-failed', 'precondition-failed']);
    assert.equal(s.get('kv', 'once')?.value, 1);
  });

  it('a retried idempotent write returns the first result and is applied once', async () => {
    const s = store.shard(6);
    const req = increment('idem');
    const [a, b] = await Promise.all([
      s.write({ ...req, idempotencyKey: 'retry-1', fingerprint: 'f' }),
      s.write({ ...req, idempotencyKey: 'retry-1', fingerprint: 'f' }),
    ]);
    const first = applied(a as WriteOutcome);
    assert.deepEqual(b, { kind: 'applied', result: first, replayed: true });
    const later = await s.write({ ...req, idempotencyKey: 'retry-1', fingerprint: 'f' });
    assert.deepEqual(later, { kind: 'applied', result: first, replayed: true });
    assert.equal(s.get('kv', 'idem')?.value, 1);
    assert.equal(s.readLog(1, 100).length, 1);
    const conflict = await s.write({ ...req, idempotencyKey: 'retry-1', fingerprint: 'another body' });
    assert.equal(conflict.kind, 'idempotency-conflict');
  });

  it('forgets idempotency keys after the window and prunes them', async () => {
    const s = store.shard(7);
    const req = { ...increment('window'), idempotencyKey: 'k-old' };
    applied(await s.write(req));
    applied(await s.write({ ...increment('window'), idempotencyKey: 'k-new' }));
    clock += 1500;
    applied(await s.write({ ...increment('window'), idempotencyKey: 'k-fresh' }));
    assert.equal(await s.pruneIdempotency(), 2);
    assert.equal(await s.pruneIdempotency(), 0);
    const again = await s.write(req);
    assert.equal(applied(again).lsn, 4, 'an expired key no longer replays');
    const fresh = await s.write({ ...increment('window'), idempotencyKey: 'k-fresh' });
    assert.equal(fresh.kind === 'applied' && fresh.replayed, true, 'a key inside the window survives the prune');
  });

  it('fences writes from an older epoch and records the epoch history', async () => {
    const s: ShardStore = store.shard(8);
    applied(await s.write(put('e', 1, { epoch: 2 })));
    applied(await s.write(put('e', 2, { epoch: 5 })));
    const stale = await s.write(put('e', 3, { epoch: 4 }));
    assert.deepEqual(stale, { kind: 'stale-epoch', position: { epoch: 5, lsn: 2 } });
    assert.deepEqual(s.epochHistory(), [
      { epoch: 2, startLsn: 1 },
      { epoch: 5, startLsn: 2 },
    ]);
  });

  it('keeps shards and collections apart', async () => {
    applied(await store.shard(9).write(put('same', 'nine')));
    applied(await store.shard(10).write(put('same', 'ten')));
    applied(await store.shard(10).write({ ...put('same', 'cart'), collection: 'cart' }));
    assert.equal(store.shard(9).get('kv', 'same')?.value, 'nine');
    assert.equal(store.shard(10).get('kv', 'same')?.value, 'ten');
    assert.equal(store.shard(10).get('cart', 'same')?.value, 'cart');
    assert.equal(store.shard(9).get('cart', 'same'), undefined);
    assert.deepEqual(store.shard(9).position(), { epoch: 1, lsn: 1 });
  });

  it('deletes append a delete entry and remove the key', async () => {
    const s = store.shard(11);
    applied(await s.write(put('gone', 1)));
    const del = applied(await s.write({ ...put('gone', null), decide: () => ({ op: 'delete' }) }));
    assert.equal(del.record, null);
    assert.equal(s.get('kv', 'gone'), undefined);
    assert.equal(s.keyCount(), 0);
    assert.equal(s.readLog(del.lsn, 1)[0]?.op, 'delete');
  });

  it('reads the log from an LSN, oldest first, up to a limit', async () => {
    const s = store.shard(12);
    for (let i = 0; i < 5; i++) applied(await s.write(put(`k${i}`, i)));
    assert.deepEqual(s.readLog(2, 2).map((e) => e.lsn), [2, 3]);
    assert.deepEqual(s.readLog(4, 100).map((e) => e.key), ['k3', 'k4']);
    assert.deepEqual(s.readLog(6, 100), []);
  });
});

describe('LmdbNodeStore recovery', () => {
  it('state, LSN, epoch history, key count, log and idempotency keys survive a reopen', async () => {
    const tmp = tempDir();
    try {
      const first = LmdbNodeStore.open({ dir: tmp.dir });
      const s = first.shard(3);
      applied(await s.write(put('a', 'one', { epoch: 2 })));
      applied(await s.write(put('b', 'two', { epoch: 2, idempotencyKey: 'ik' })));
      applied(await s.write({ ...put('a', null, { epoch: 3 }), decide: () => ({ op: 'delete' }) }));
      await first.close();

      const second = LmdbNodeStore.open({ dir: tmp.dir });
      const r = second.shard(3);
      assert.deepEqual(r.position(), { epoch: 3, lsn: 3 });
      assert.deepEqual(r.epochHistory(), [
        { epoch: 2, startLsn: 1 },
        { epoch: 3, startLsn: 3 },
      ]);
      assert.equal(r.get('kv', 'a'), undefined);
      assert.deepEqual(r.get('kv', 'b'), { value: 'two', version: 2 });
      assert.equal(r.keyCount(), 1);
      assert.deepEqual(r.readLog(1, 10).map((e) => [e.lsn, e.op, e.key]), [
        [1, 'put', 'a'],
        [2, 'put', 'b'],
        [3, 'delete', 'a'],
      ]);
      const replay = await r.write(put('b', 'two', { epoch: 3, idempotencyKey: 'ik' }));
      assert.equal(replay.kind === 'applied' && replay.replayed, true);
      assert.equal(applied(await r.write(put('c', 'three', { epoch: 3 }))).lsn, 4);
      await second.close();
    } finally {
      tmp.remove();
    }
  });
});
