import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { NodeStore } from '../../src/store/types.js';
import { applied, put, type StoreHarness } from './store-suite.js';

const del = (key: string, epoch = 1) => ({ ...put(key, null, { epoch }), decide: () => ({ op: 'delete' as const }) });

/** The follower side of the store contract; `leader()` is the suite's store, a second one plays the follower. */
export function replicaTests(leader: () => NodeStore, harness: StoreHarness, now: () => number): void {
  let follower: NodeStore;
  before(async () => {
    // The leader's clock: idempotency records keep the leader's times.
    follower = await harness.open(harness.newPlace(), { now, idempotencyWindowMs: 1000 });
  });
  after(() => follower.close());

  it('a follower that applies the leader log reaches the same state, position and history; replay changes nothing', async () => {
    const l = leader().shard(20);
    applied(await l.write(put('a', 1)));
    applied(await l.write(put('b', 2, { idempotencyKey: 'ik-b', fingerprint: 'fp' })));
    applied(await l.write(del('a', 2)));
    applied(await l.write(put('c', { deep: [1, 2] }, { epoch: 2 })));
    const entries = await l.readLog(1, 100);
    const f = follower.shard(20);
    assert.deepEqual(await f.appendReplicated(entries.slice(0, 2)), { epoch: 1, lsn: 2 });
    // Overlapping replay (a lost answer) and the rest in one batch.
    assert.deepEqual(await f.appendReplicated(entries), { epoch: 2, lsn: 4 });
    assert.deepEqual(await f.appendReplicated(entries), { epoch: 2, lsn: 4 });
    assert.deepEqual(f.epochHistory(), l.epochHistory());
    assert.equal(f.keyCount(), l.keyCount());
    assert.equal(await f.stateHash(), await l.stateHash());
    assert.deepEqual(await f.readLog(1, 100), entries);
    // Promoted, the follower still answers a retry from its first result.
    const retry = await f.write(put('b', 2, { epoch: 3, idempotencyKey: 'ik-b', fingerprint: 'fp' }));
    assert.equal(retry.kind === 'applied' && retry.replayed && retry.result.lsn, 2);
  });

  it('stops at a gap and at an entry from an older epoch', async () => {
    const l = leader().shard(21);
    for (let i = 0; i < 3; i++) applied(await l.write(put(`k${i}`, i, { epoch: 4 })));
    const entries = await l.readLog(1, 10);
    const f = follower.shard(21);
    assert.deepEqual(await f.appendReplicated([entries[0], entries[2]].filter((e) => e !== undefined)), { epoch: 4, lsn: 1 });
    const older = { ...(entries[1] as (typeof entries)[number]), epoch: 3 };
    assert.deepEqual(await f.appendReplicated([older]), { epoch: 4, lsn: 1 });
    assert.equal(await f.get('kv', 'k1'), undefined);
  });

  it('truncating a suffix undoes its entries, their idempotency keys and the epochs it started', async () => {
    const s = leader().shard(22);
    applied(await s.write(put('a', 'a1')));
    applied(await s.write(put('b', 'b1')));
    const hashAt2 = await s.stateHash();
    applied(await s.write(put('a', 'a2', { epoch: 2, idempotencyKey: 'ik-a', fingerprint: 'x' })));
    applied(await s.write(del('b', 2)));
    applied(await s.write(put('c', 'c1', { epoch: 2 })));
    assert.equal(await s.truncateAfter(9), true, 'nothing after the end: a no-op');
    assert.equal(await s.truncateAfter(2), true);
    assert.deepEqual(s.position(), { epoch: 1, lsn: 2 });
    assert.deepEqual(s.epochHistory(), [{ epoch: 1, startLsn: 1 }]);
    assert.equal(await s.stateHash(), hashAt2);
    assert.equal(s.keyCount(), 2);
    assert.deepEqual(await s.get('kv', 'b'), { value: 'b1', version: 2 });
    assert.deepEqual(await s.readLog(3, 10), []);
    const again = await s.write(put('a', 'a2', { epoch: 2, idempotencyKey: 'ik-a', fingerprint: 'x' }));
    assert.equal(again.kind === 'applied' && !again.replayed && again.result.lsn, 3, 'a truncated write is not replayed');
  });

  it('a snapshot restores state and position on a follower, which then continues from the tail', async () => {
    const l = leader().shard(23);
    for (let i = 0; i < 6; i++) applied(await l.write(put(`k${i % 3}`, i, { idempotencyKey: `ik${i}`, fingerprint: 'f' })));
    const f = follower.shard(23);
    applied(await f.write(put('junk', 'to be replaced', { epoch: 1 })));
    const snap = await l.snapshot();
    assert.deepEqual(snap.position, { epoch: 1, lsn: 6 });
    assert.equal(snap.records.length, 3);
    await f.installSnapshot(JSON.parse(JSON.stringify(snap)));
    assert.deepEqual(f.position(), l.position());
    assert.equal(f.logStart(), 7);
    assert.equal(await f.get('kv', 'junk'), undefined);
    assert.equal(await f.stateHash(), await l.stateHash());
    assert.equal(await f.truncateAfter(3), false, 'entries inside a snapshot cannot be undone');
    applied(await l.write(put('k9', 9)));
    await f.appendReplicated(await l.readLog(7, 10));
    assert.equal(await f.stateHash(), await l.stateHash());
    const replay = await f.write(put('k1', 4, { epoch: 2, idempotencyKey: 'ik4', fingerprint: 'f' }));
    assert.equal(replay.kind === 'applied' && replay.replayed, true, 'idempotency records travel with the snapshot');
  });

  it('retention keeps the last N entries and moves the log start', async () => {
    const s = leader().shard(24);
    for (let i = 0; i < 10; i++) applied(await s.write(put('k', i)));
    assert.equal(await s.trimLog(3), 7);
    assert.equal(s.logStart(), 8);
    assert.deepEqual((await s.readLog(1, 100)).map((e) => e.lsn), [8, 9, 10]);
    assert.equal(await s.trimLog(3), 0);
    assert.equal(await s.truncateAfter(6), false);
    assert.equal(await s.truncateAfter(8), true);
    assert.deepEqual(await s.get('kv', 'k'), { value: 7, version: 8 });
  });
}
