import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateTopology } from '@setgate/config';
import { InternalPath } from '@setgate/contracts';
import { freePorts } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import Fastify from 'fastify';
import { buildNode, LmdbNodeStore, type SetNode } from '../../src/index.js';
import { tempDir, testTelemetry } from '../helpers/node.js';
import { keyInShard, testTopologyDoc } from '../helpers/topology.js';

/** The test topology with east-a-1's admin listener on a real free port, so west-a-1 can follow it. */
async function viewWithLeaderOn(): Promise<{ view: TopologyView; adminPort: number }> {
  const [adminPort] = (await freePorts(1)) as [number];
  const doc = testTopologyDoc({ fetchMaxWaitMs: 500 });
  const sets = doc.sets.map((s) => ({ ...s, nodes: s.nodes.map((n) => (n.id === 'east-a-1' ? { ...n, adminPort } : n)) }));
  const result = validateTopology({ ...doc, sets });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { view: new TopologyView(result.topology), adminPort };
}

function node(id: string, view: TopologyView, dir: string): SetNode {
  return buildNode({ view, nodeId: id, store: LmdbNodeStore.open({ dir: join(dir, id) }), telemetry: testTelemetry(), idempotencyPruneIntervalMs: 0, leaseClock: () => 0 });
}

/**
 * A follower pulls every shard it follows from one leader in one session:
 * west-a-1 follows the four even shards of east-a-1 with a single long-poll
 * at a time, not four, and each shard's writes still reach it.
 */
describe('fetch session: one long-poll per leader–follower pair', () => {
  it('follows four shards of one leader with one request in flight, and every write arrives', async () => {
    const { view, adminPort } = await viewWithLeaderOn();
    const { dir, remove } = tempDir();
    const leader = node('east-a-1', view, dir);
    const admin = Fastify();
    let inFlight = 0;
    let maxInFlight = 0;
    const paths = new Set<string>();
    admin.addHook('onRequest', async (request) => {
      paths.add(request.routeOptions.url ?? request.url);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
    });
    admin.addHook('onResponse', async () => {
      inFlight--;
    });
    leader.registerInternal(admin);
    await admin.listen({ host: '127.0.0.1', port: adminPort });
    const follower = node('west-a-1', view, dir);
    try {
      const evens = [0, 2, 4, 6];
      for (const shard of evens) {
        const put = await leader.app.inject({ method: 'PUT', url: `/state/${shard}/${keyInShard(shard, 'session')}`, payload: { shard } });
        assert.equal(put.statusCode, 201, put.body);
      }
      // Wait for the state, not for a time: every even shard reaches LSN 1 on the follower.
      const deadline = Date.now() + 60_000;
      const lsns = () => evens.map((shard) => follower.store.shard(shard).position().lsn);
      while (lsns().some((lsn) => lsn < 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(lsns(), [1, 1, 1, 1], 'each shard got its write');
      assert.deepEqual([...paths], [InternalPath.fetchSession], 'only session fetches reached the leader');
      assert.equal(maxInFlight, 1, 'one long-poll at a time for four shards');
      for (const shard of evens) {
        const read = await follower.app.inject({ url: `/state/${shard}/${keyInShard(shard, 'session')}` });
        assert.equal(read.statusCode, 200, read.body);
      }
    } finally {
      await follower.close();
      await admin.close();
      await leader.close();
      remove();
    }
  });
});
