import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type LoadedTopology, validateTopology } from '@setgate/config';
import { type FetchSessionRequest, type FetchSessionResponse, InternalPath } from '@setgate/contracts';
import { freePorts } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import Fastify from 'fastify';
import { buildNode, LmdbNodeStore, type SetNode } from '../../src/index.js';
import { idleFetchWaitMs, QUIET_ROUNDS_BEFORE_IDLE } from '../../src/replication/fetch-wait.js';
import { tempDir, testTelemetry } from '../helpers/node.js';
import { keyInShard, testTopologyDoc } from '../helpers/topology.js';

/** The test topology with east-a-1's admin listener on a real free port, so west-a-1 can follow it. */
async function viewWithLeaderOn(fetchMaxWaitMs = 500): Promise<{ view: TopologyView; adminPort: number }> {
  const [adminPort] = (await freePorts(1)) as [number];
  const doc = testTopologyDoc({ fetchMaxWaitMs });
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

/** Waits for a condition, bound by a generous deadline (a busy machine is slow, never wrong). */
async function until(what: string, ok: () => boolean, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('fetch session: an idle pair waits longer, and a write still ends the wait at once', () => {
  it('derives the idle wait from fetchMaxWaitMs, the tightest staleness bound and insyncLagMs', () => {
    const doc = (replication: Record<string, number>, bound = 0): LoadedTopology => {
      const base = testTopologyDoc();
      const commands = base.commands.map((c) => ({ ...c, maxStalenessMs: bound }));
      const result = validateTopology({ ...base, commands, replication });
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      return result.topology;
    };
    assert.equal(idleFetchWaitMs(doc({ fetchMaxWaitMs: 500 })), 2000, 'four times fetchMaxWaitMs');
    assert.equal(idleFetchWaitMs(doc({ fetchMaxWaitMs: 500 }, 1000)), 500, 'half a 1 s staleness bound');
    assert.equal(idleFetchWaitMs(doc({ fetchMaxWaitMs: 500, insyncLagMs: 1600 })), 800, 'half of insyncLagMs');
    assert.equal(idleFetchWaitMs(doc({ fetchMaxWaitMs: 500 }, 200)), 500, 'never below fetchMaxWaitMs');
  });

  it('asks for the idle wait after quiet rounds; a write answers that parked fetch; the next one is short again', async () => {
    const { view, adminPort } = await viewWithLeaderOn(1000);
    const idleMs = idleFetchWaitMs(view.doc);
    assert.equal(idleMs, 4000);
    const { dir, remove } = tempDir();
    const leader = node('east-a-1', view, dir);
    const admin = Fastify();
    /** Every session fetch the leader got, in order: the wait it asked for and, once answered, what it carried. */
    const fetches: Array<{ maxWaitMs: number | undefined; answer?: FetchSessionResponse }> = [];
    admin.addHook('preHandler', async (request) => {
      if (request.url === InternalPath.fetchSession) fetches.push({ maxWaitMs: (request.body as FetchSessionRequest).maxWaitMs });
    });
    admin.addHook('onSend', async (request, _reply, payload) => {
      if (request.url !== InternalPath.fetchSession || typeof payload !== 'string') return payload;
      const open = fetches.findLast((f) => f.answer === undefined);
      if (open) open.answer = JSON.parse(payload) as FetchSessionResponse;
      return payload;
    });
    leader.registerInternal(admin);
    await admin.listen({ host: '127.0.0.1', port: adminPort });
    const follower = node('west-a-1', view, dir);
    try {
      await until('an idle fetch is parked on the leader', () => fetches.at(-1)?.maxWaitMs === idleMs && fetches.at(-1)?.answer === undefined);
      const quiet = fetches.slice(0, -1).filter((f) => f.maxWaitMs === 1000);
      assert.ok(quiet.length >= QUIET_ROUNDS_BEFORE_IDLE, `${quiet.length} short fetches before the first idle one`);
      const idle = fetches.at(-1) as (typeof fetches)[number];

      const put = await leader.app.inject({ method: 'PUT', url: `/state/0/${keyInShard(0, 'idle')}`, payload: { v: 1 } });
      assert.equal(put.statusCode, 201, put.body);
      await until('the follower holds the write', () => follower.store.shard(0).position().lsn >= 1);
      const carried = idle.answer?.answers.find((a) => a.shard === 0);
      assert.ok(carried?.kind === 'entries' && carried.entries.length === 1, `the parked idle fetch answered with the write: ${JSON.stringify(carried)}`);
      await until('the next fetch is sent', () => fetches.indexOf(idle) < fetches.length - 1);
      assert.equal(fetches[fetches.indexOf(idle) + 1]?.maxWaitMs, 1000, 'news ends the idle spell');
    } finally {
      await follower.close();
      await admin.close();
      await leader.close();
      remove();
    }
  });
});
