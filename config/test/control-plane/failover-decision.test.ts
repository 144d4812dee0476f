import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTopologyFile, validateTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { applyPromotions, decideShard, type FollowerSeen, type LeaderLastSeen, type Promotion, type ReplicaPosition } from '../../src/control-plane/failover/decide.js';
import { editable } from '../../src/control-plane/ops/placement-plan.js';
import { SHIPPED } from './fixture.js';

/**
 * Which replica the failover controller promotes. Shard 0 of the shipped
 * topology: write-point us-east-a-1, followers eu-west-b-1 (75 ms away) and
 * ap-south-a-1 (190 ms), sync, minInsync 1, epoch 1.
 */
const seed = loadTopologyFile(SHIPPED);
const view = new TopologyView(seed);
const SHARD = 0;
const LEADER = 'us-east-a-1';
const EU = 'eu-west-b-1';
const AP = 'ap-south-a-1';

const asyncView = (() => {
  const doc = editable(seed);
  for (const p of doc.placements) p.mode = 'async';
  const r = validateTopology(doc);
  assert.ok(r.ok);
  return new TopologyView(r.topology);
})();

const follower = (node: string, inSync = true, following = true): FollowerSeen => ({ node, inSync, following });
const seen = (followers: FollowerSeen[], lsn = 12, highWatermark = 10): LeaderLastSeen => ({
  followers,
  position: { epoch: 1, lsn },
  highWatermark,
  at: 0,
});
const at = (lsn: number): ReplicaPosition['position'] => ({ epoch: 1, lsn });
const replicas = (positions: Record<string, number | undefined>) =>
  new Map(Object.entries(positions).map(([node, lsn]) => [node, lsn === undefined ? { node, error: 'connect ECONNREFUSED' } : { node, position: at(lsn) }]));

const decide = (lastSeen: LeaderLastSeen | undefined, positions: Record<string, number | undefined>, v = view) =>
  decideShard({ view: v, shard: SHARD, downNode: LEADER, lastSeen, replicas: replicas(positions) });

function promoted(d: ReturnType<typeof decideShard>): Promotion {
  assert.equal(d.kind, 'promote', d.kind === 'hold' ? d.reason : '');
  return d as Promotion;
}

describe('failover decision: which replica takes over a down write-point', () => {
  it('sync: promotes the most caught-up in-sync replica at epoch + 1, even when it is farther away', () => {
    const d = promoted(decide(seen([follower(EU), follower(AP)]), { [EU]: 10, [AP]: 12 }));
    assert.equal(d.toNode, AP);
    assert.equal(d.toSet, 'ap-south-a');
    assert.equal(d.epoch, 2);
    assert.deepEqual(d.position, { epoch: 1, lsn: 12 });
    assert.equal(d.inSync, true);
  });

  it('sync: on equal positions, the replica nearest the old leader', () => {
    assert.equal(promoted(decide(seen([follower(EU), follower(AP)]), { [EU]: 12, [AP]: 12 })).toNode, EU);
  });

  it('sync: a follower no longer counted in sync wins only by being strictly ahead (the high watermark counted it)', () => {
    const d = promoted(decide(seen([follower(EU), follower(AP, false)]), { [EU]: 10, [AP]: 12 }));
    assert.equal(d.toNode, AP);
    assert.equal(d.inSync, false);
    assert.equal(promoted(decide(seen([follower(EU), follower(AP, false)]), { [EU]: 12, [AP]: 12 })).toNode, EU, 'a tie goes to the in-sync one');
  });

  it('sync: a replica that never fetched from this leader is never chosen, however long its log', () => {
    // ap-south-a-1 came back with a suffix of an older epoch that it has not truncated yet.
    const d = promoted(decide(seen([follower(EU), follower(AP, false, false)]), { [EU]: 10, [AP]: 40 }));
    assert.equal(d.toNode, EU);
  });

  it('sync: holds when no replica the leader counted in sync is reachable, and says why', () => {
    const d = decide(seen([follower(EU), follower(AP, false)]), { [EU]: undefined, [AP]: 12 });
    assert.equal(d.kind, 'hold');
    assert.match(d.kind === 'hold' ? d.reason : '', /no replica us-east-a-1 counted in sync \(eu-west-b-1\) is reachable \(unreachable: eu-west-b-1\)/);
  });

  it('sync: holds when the leader counted nobody in sync, or was never heard', () => {
    const none = decide(seen([follower(EU, false), follower(AP, false)]), { [EU]: 12, [AP]: 12 });
    assert.equal(none.kind, 'hold');
    assert.match(none.kind === 'hold' ? none.reason : '', /counted no replica in sync/);
    const never = decide(undefined, { [EU]: 12, [AP]: 12 });
    assert.equal(never.kind, 'hold');
    assert.match(never.kind === 'hold' ? never.reason : '', /never heard/);
  });

  it('sync: holds rather than promote below the high watermark the leader reported', () => {
    // The in-sync replica that held lsn 11 is gone; the reachable one lags behind acknowledged writes.
    const d = decide(seen([follower(EU), follower(AP)], 12, 11), { [EU]: 9, [AP]: undefined });
    assert.equal(d.kind, 'hold');
    assert.match(d.kind === 'hold' ? d.reason : '', /below the high watermark 11/);
  });

  it('async: the most caught-up reachable replica, in sync or not, with what it lacks reported', () => {
    const d = promoted(decide(seen([follower(EU, false), follower(AP, false)], 20), { [EU]: 15, [AP]: 18 }, asyncView));
    assert.equal(d.toNode, AP);
    assert.equal(d.behindLastSeen, 2);
    const unknown = promoted(decide(undefined, { [EU]: 15, [AP]: undefined }, asyncView));
    assert.equal(unknown.toNode, EU, 'an async shard does not need the leader to have been heard');
    assert.equal(unknown.behindLastSeen, undefined);
  });

  it('holds when no replica is reachable at all', () => {
    for (const v of [view, asyncView]) {
      const d = decide(seen([follower(EU), follower(AP)]), { [EU]: undefined, [AP]: undefined }, v);
      assert.equal(d.kind, 'hold');
      assert.match(d.kind === 'hold' ? d.reason : '', /no replica of shard 0 is reachable/);
    }
  });

  it('writes a promotion as the new leader set at epoch + 1, naming the node only when it is not the set default', () => {
    const d = promoted(decide(seen([follower(EU), follower(AP)]), { [EU]: 12, [AP]: 10 }));
    const doc = applyPromotions(editable(seed), view, [d]);
    const p = doc.placements.find((x) => x.shard === SHARD);
    assert.equal(p?.leader, 'eu-west-b');
    assert.equal(p?.leaderNode, undefined);
    assert.equal(p?.epoch, 2);
    const other = applyPromotions(editable(seed), view, [{ ...d, toNode: 'eu-west-b-2' }]).placements.find((x) => x.shard === SHARD);
    assert.equal(other?.leaderNode, 'eu-west-b-2');
  });
});
