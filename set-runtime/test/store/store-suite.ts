import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NodeStore, ShardStore, WriteOutcome, WriteRequest } from '../../src/store/types.js';
import type { Durability } from '../../src/store/types.js';
import { replicaTests } from './replica-suite.js';

/** How the shared suite opens a store: `place` names its data (an LMDB directory, a Redis key prefix). */
export interface StoreHarness {
  newPlace(): string;
  open(place: string, opts?: { now?: () => number; idempotencyWindowMs?: number; durability?: Durability }): Promise<NodeStore>;
}

export const put = (key: string, value: unknown, extra: Partial<WriteRequest> = {}): WriteRequest => ({
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
export const applied = (o: WriteOutcome) => {
  assert.equal(o.kind, 'applied', `expected applied, got ${o.kind}`);
  return (o as Extract<WriteOutcome, { kind: 'applied' }>).result;
};

/**
 * The contract every store engine passes: writes (atomic append + apply,
 * compare-and-set, idempotency, fencing) and the follower side (replicated
 * apply, truncation, snapshots, retention, state hash), then recovery.
 */
export function storeSuite(engine: string, harness: StoreHarness): void {
  for (const durability of ['group', 'fsync'] as const) {
    describe(`${engine} store, ${durability} durability`, () => {
      let store: NodeStore;
      let clock = 1_000_000;
      before(async () => {
        store = await harness.open(harness.newPlace(), { now: () => clock, idempotencyWindowMs: 1000, durability });
      });
      after(() => store.close());

      it('appends each write to the log and applies it to the state together', async () => {
        const s = store.shard(1);
        const r = applied(await s.write(put('a', { n: 1 })));
        assert.deepEqual(await s.get('kv', 'a'), { value: { n: 1 }, version: r.lsn });
        assert.deepEqual(await s.readLog(r.lsn, 10), [
          { epoch: 1, lsn: r.lsn, op: 'put', collection: 'kv', key: 'a', value: { n: 1 }, idempotencyKey: null, fingerprint: null, time: clock, prev: null },
        ]);
        assert.deepEqual(s.position(), { epoch: 1, lsn: r.lsn });
        assert.equal(s.keyCount(), 1);
      });

      it('concurrent writes get consecutive LSNs and read-modify-writes lose nothing', async () => {
        const s = store.shard(3);
        const outcomes = await Promise.all(Array.from({ length: 40 }, () => s.write(increment('counter'))));
        const lsns = outcomes.map((o) => applied(o).lsn).sort((a, b) => a - b);
        assert.deepEqual(lsns, Array.from({ length: 40 }, (_, i) => i + 1));
        assert.deepEqual((await s.get('kv', 'counter')), { value: 40, version: 40 });
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
        const current = (await s.get('kv', 'doc'));
        assert.equal(current?.version, v + 1);
        for (const f of failed) assert.deepEqual(f.kind === 'precondition-failed' && f.current, current);
      });

      it('create-only writes: the first wins', async () => {
        const s = store.shard(5);
        const outcomes = await Promise.all([1, 2, 3].map((n) => s.write(put('once', n, { precondition: { kind: 'absent' } }))));
        assert.deepEqual(outcomes.map((o) => o.kind), ['applied', 'precondition-failed', 'precondition-failed']);
        assert.equal((await s.get('kv', 'once'))?.value, 1);
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
        assert.equal((await s.get('kv', 'idem'))?.value, 1);
        assert.equal((await s.readLog(1, 100)).length, 1);
        const conflict = await s.write({ ...req, idempotencyKey: 'retry-1', fingerprint: 'another body' });
        assert.equal(conflict.kind, 'idempotency-conflict');
      });

      it('tells a write its LSN before a reader can see the entry, and not for a write that appends nothing', async () => {
        const s = store.shard(13);
        const told: number[] = [];
        let seenFromHook: Promise<unknown[]> | undefined;
        const onAppend = (lsn: number) => {
          told.push(lsn);
          seenFromHook = s.readLog(lsn, 10);
        };
        const first = applied(await s.write(put('told', 1, { idempotencyKey: 'told-1', fingerprint: 'f', onAppend })));
        assert.deepEqual(told, [first.lsn]);
        assert.deepEqual(await seenFromHook, [], 'a read started from the hook must not see the entry yet');
        assert.equal((await s.readLog(first.lsn, 10)).length, 1);
        // A replay and a refused precondition append nothing: nothing to tell.
        await s.write(put('told', 1, { idempotencyKey: 'told-1', fingerprint: 'f', onAppend }));
        await s.write(put('told', 2, { precondition: { kind: 'absent' }, onAppend }));
        assert.deepEqual(told, [first.lsn]);
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
        assert.equal((await store.shard(9).get('kv', 'same'))?.value, 'nine');
        assert.equal((await store.shard(10).get('kv', 'same'))?.value, 'ten');
        assert.equal((await store.shard(10).get('cart', 'same'))?.value, 'cart');
        assert.equal((await store.shard(9).get('cart', 'same')), undefined);
        assert.deepEqual(store.shard(9).position(), { epoch: 1, lsn: 1 });
      });

      it('deletes append a delete entry and remove the key', async () => {
        const s = store.shard(11);
        applied(await s.write(put('gone', 1)));
        const del = applied(await s.write({ ...put('gone', null), decide: () => ({ op: 'delete' }) }));
        assert.equal(del.record, null);
        assert.equal((await s.get('kv', 'gone')), undefined);
        assert.equal(s.keyCount(), 0);
        assert.equal((await s.readLog(del.lsn, 1))[0]?.op, 'delete');
      });

      it('reads the log from an LSN, oldest first, up to a limit', async () => {
        const s = store.shard(12);
        for (let i = 0; i < 5; i++) applied(await s.write(put(`k${i}`, i)));
        assert.deepEqual((await s.readLog(2, 2)).map((e) => e.lsn), [2, 3]);
        assert.deepEqual((await s.readLog(4, 100)).map((e) => e.key), ['k3', 'k4']);
        assert.deepEqual((await s.readLog(6, 100)), []);
      });

      replicaTests(() => store, harness, () => clock);
    });
  }

  describe(`${engine} store recovery`, () => {
    it('state, LSN, epoch history, key count, log and idempotency keys survive a reopen', async () => {
      const place = harness.newPlace();
      const first = await harness.open(place);
      const s = first.shard(3);
      applied(await s.write(put('a', 'one', { epoch: 2 })));
      applied(await s.write(put('b', 'two', { epoch: 2, idempotencyKey: 'ik' })));
      applied(await s.write({ ...put('a', null, { epoch: 3 }), decide: () => ({ op: 'delete' }) }));
      await first.close();

      const second = await harness.open(place);
      const r = second.shard(3);
      assert.deepEqual(r.position(), { epoch: 3, lsn: 3 });
      assert.deepEqual(r.epochHistory(), [
        { epoch: 2, startLsn: 1 },
        { epoch: 3, startLsn: 3 },
      ]);
      assert.equal((await r.get('kv', 'a')), undefined);
      assert.deepEqual((await r.get('kv', 'b')), { value: 'two', version: 2 });
      assert.equal(r.keyCount(), 1);
      assert.deepEqual((await r.readLog(1, 10)).map((e) => [e.lsn, e.op, e.key]), [
        [1, 'put', 'a'],
        [2, 'put', 'b'],
        [3, 'delete', 'a'],
      ]);
      const replay = await r.write(put('b', 'two', { epoch: 3, idempotencyKey: 'ik' }));
      assert.equal(replay.kind === 'applied' && replay.replayed, true);
      assert.equal(applied(await r.write(put('c', 'three', { epoch: 3 }))).lsn, 4);
      await second.close();
    });
  });
}
