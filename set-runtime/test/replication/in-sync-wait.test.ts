import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { assertProblem } from '../helpers/inject.js';
import { startTestNode } from '../helpers/node.js';
import { keyInShard, testTopologyDoc } from '../helpers/topology.js';

/** The test topology with sync shards and a lease long enough that only the in-sync rule can refuse a write. */
function syncDoc(version = 7) {
  const doc = { ...testTopologyDoc({ mode: 'sync', version }), replication: { leaseMs: 600_000 } };
  return doc;
}

function syncView(): TopologyView {
  const result = validateTopology(syncDoc());
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return new TopologyView(result.topology);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A write-point just promoted has heard from none of its followers: a sync
 * write waits a moment for one instead of failing at once (the last few
 * hundred ms of a failover were client-visible 503s), and is refused, with
 * nothing written, only when none turns up.
 */
describe('sync write admission: waiting for in-sync replicas', () => {
  it('is refused with 503 NOT_ENOUGH_REPLICAS, nothing appended, when no follower turns up', async () => {
    const t = startTestNode('east-a-1', syncView());
    try {
      const started = performance.now();
      const res = await t.node.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'alone')}`, payload: { n: 1 } });
      assertProblem(res, 503, 'SETGATE_NODE_NOT_ENOUGH_REPLICAS');
      // It waited before refusing (a lower bound: a busy machine only makes it longer).
      assert.ok(performance.now() - started >= 400, `refused after ${Math.round(performance.now() - started)} ms`);
      assert.equal((await t.node.status()).shards.find((s) => s.shard === 0)?.lsn, 0);
    } finally {
      await t.cleanup();
    }
  });

  it('is admitted once a follower fetches during the wait, and acknowledged once that follower holds it', async () => {
    const t = startTestNode('east-a-1', syncView());
    try {
      const pending = t.node.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'joined')}`, payload: { n: 2 } });
      await sleep(100);
      const tracker = t.node.replicator.leader(0);
      assert.ok(tracker);
      // Both followers ask for lsn 1: they hold everything before it, which is all there is, so they are in sync.
      tracker.recordFetch('east-a-2', 'us-east', 1);
      tracker.recordFetch('west-a-1', 'eu-west', 1);
      const deadline = Date.now() + 30_000;
      while ((await t.node.status()).shards.find((s) => s.shard === 0)?.lsn !== 1) {
        assert.ok(Date.now() < deadline, 'the write was never appended');
        await sleep(10);
      }
      tracker.recordFetch('east-a-2', 'us-east', 2); // now they hold lsn 1
      tracker.recordFetch('west-a-1', 'eu-west', 2);
      const res = await pending;
      assert.equal(res.statusCode, 201, res.body);
    } finally {
      await t.cleanup();
    }
  });

  it('is refused as stale, nothing appended, when the shard moved to a new epoch while it waited', async () => {
    const t = startTestNode('east-a-1', syncView());
    try {
      const pending = t.node.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'moved')}`, payload: { n: 3 } });
      await sleep(100);
      // A new version: shard 0 at epoch 2, still led by this node's set.
      const next = syncDoc(8);
      next.placements = next.placements.map((p) => (p.shard === 0 ? { ...p, epoch: 2 } : p));
      await t.node.updates.apply(next);
      const tracker = t.node.replicator.leader(0);
      assert.ok(tracker);
      tracker.recordFetch('east-a-2', 'us-east', 1);
      tracker.recordFetch('west-a-1', 'eu-west', 1);
      const res = await pending;
      assertProblem(res, 409, 'SETGATE_NODE_STALE_EPOCH');
      assert.equal((await t.node.status()).shards.find((s) => s.shard === 0)?.lsn, 0);
    } finally {
      await t.cleanup();
    }
  });
});
