import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { type NodeRef, TopologyView } from '@setgate/topology';
import { heardSkipsCheckMs, probeRound } from '../../src/control-plane/failover/probe-round.js';
import type { NodeProbe, ProbedStatus } from '../../src/control-plane/failover/probe.js';
import type { NodeHealth } from '../../src/control-plane/failover/node-health.js';
import { failoverSettings } from '../../src/control-plane/failover/settings.js';

/** Counts every check and status read; `dead` nodes refuse both. */
class CountingProbe implements NodeProbe {
  readonly checks = new Map<string, number>();
  readonly statusReads = new Map<string, number>();
  readonly dead = new Set<string>();
  async alive(node: NodeRef): Promise<void> {
    this.checks.set(node.id, (this.checks.get(node.id) ?? 0) + 1);
    if (this.dead.has(node.id)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }
  async status(node: NodeRef): Promise<ProbedStatus> {
    this.statusReads.set(node.id, (this.statusReads.get(node.id) ?? 0) + 1);
    if (this.dead.has(node.id)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return { node: node.id, configVersion: 1, shards: [] };
  }
}

const topology = loadTopologyFile(defaultTopologyPath());
const settings = failoverSettings(topology);
const targets = new TopologyView(topology).allNodes();

test('the quiet window is one interval at most, and leaves room for a whole quorum run before a heard node can be down', () => {
  // The shipped timings: one interval (250 ms), well inside lease 2000 + drift 250 − downAfter 1000 − one interval.
  assert.equal(heardSkipsCheckMs(settings), 250);
  for (const leaseMs of [500, 1500, 2000, 4000, 30_000]) {
    const quiet = heardSkipsCheckMs({ ...settings, leaseMs });
    assert.ok(quiet <= settings.probeIntervalMs, `lease ${leaseMs}: a frozen node is checked again within one interval of its last poll`);
    assert.ok(quiet === 0 || quiet + settings.probeIntervalMs + settings.downAfterMs <= leaseMs + settings.clockDriftMs, `lease ${leaseMs}`);
  }
  assert.equal(heardSkipsCheckMs({ ...settings, leaseMs: 500 }), 0, 'a lease shorter than detection: every node is checked every round');
});

test('a node whose watch poll was just answered is not checked; one not heard lately is, and its failure counts', async () => {
  const probe = new CountingProbe();
  const health = new Map<string, NodeHealth>();
  const heard = new Map<string, number>();
  let clock = 1_000_000;
  const [quiet, silent, dead] = targets as [NodeRef, NodeRef, NodeRef];
  const round = () =>
    probeRound({
      targets: [quiet, silent, dead],
      health,
      probe,
      settings,
      now: () => clock,
      controllerRegion: 'us-east',
      lagMs: 0,
      statusReadAt: new Map(),
      heardAgoMs: (id) => heard.get(id),
    });
  heard.set(quiet.id, 100);
  heard.set(dead.id, heardSkipsCheckMs(settings)); // heard exactly one quiet window ago: checked again
  probe.dead.add(dead.id);
  const first = await round();
  assert.equal(probe.checks.get(quiet.id) ?? 0, 0, 'its own poll is its liveness answer');
  assert.equal(health.get(quiet.id)?.state, 'up');
  assert.equal(probe.checks.get(silent.id), 1, 'never heard: checked');
  assert.equal(probe.checks.get(dead.id), 1);
  assert.deepEqual(first.newlyDown, []);
  // Positions are still read for a node that is not checked: the controller needs its followers' state.
  await new Promise((r) => setImmediate(r));
  assert.equal(probe.statusReads.get(quiet.id), 1);
  assert.equal(health.get(quiet.id)?.positionsAsOf, 1_000_000, 'positions as of when the status was requested');

  // The quiet node stops polling (killed or frozen): once its last poll is a quiet window old, checks resume and fail.
  heard.set(quiet.id, heardSkipsCheckMs(settings) + 1);
  probe.dead.add(quiet.id);
  clock += settings.probeIntervalMs;
  await round();
  assert.equal(probe.checks.get(quiet.id), 1);
  assert.equal(health.get(quiet.id)?.state, 'suspect');
  assert.equal(health.get(quiet.id)?.consecutiveFailures, 1);
});
