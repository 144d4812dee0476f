import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import type { LoadedTopology } from '@setgate/config';
import { startTelemetry } from '@setgate/telemetry';
import { type NodeRef, TopologyView } from '@setgate/topology';
import { FailoverController } from '../../src/control-plane/failover/controller.js';
import { LeaseGrants } from '../../src/control-plane/failover/lease-grants.js';
import type { NodeProbe, ProbedStatus } from '../../src/control-plane/failover/probe.js';
import type { WitnessPanel, WitnessVote } from '../../src/control-plane/failover/witness.js';
import type { VersionRecord } from '../../src/control-plane/store/config-store.js';
import { controlPlaneFixture, type Fixture } from './fixture.js';

/**
 * Nodes as the controller's probe sees them, scripted per test: each answers
 * `/status` from the current version (roles, positions, in-sync followers),
 * or fails like a killed process.
 */
class ScriptedNodes implements NodeProbe {
  readonly dead = new Set<string>();
  /** Nodes that fail only their next probe (slow once). */
  readonly slowOnce = new Set<string>();
  /** Followers the leaders report as out of sync. */
  readonly outOfSync = new Set<string>();
  readonly lsn = new Map<string, number>();
  constructor(private readonly topology: () => LoadedTopology) {}

  async status(node: NodeRef): Promise<ProbedStatus> {
    if (this.dead.has(node.id)) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    if (this.slowOnce.delete(node.id)) throw new Error('Headers Timeout Error');
    const view = new TopologyView(this.topology());
    const shards = view.doc.placements
      .filter((p) => view.replicaNodes(p.shard).some((n) => n.id === node.id))
      .map((p) => {
        const leader = view.writePoint(p.shard).id === node.id;
        return {
          shard: p.shard,
          role: leader ? ('leader' as const) : ('follower' as const),
          epoch: p.epoch,
          lsn: this.lsn.get(node.id) ?? 10,
          highWatermark: 10,
          ...(leader
            ? {
                followers: view
                  .replicaNodes(p.shard)
                  .filter((n) => n.id !== node.id)
                  .map((n) => ({ node: n.id, region: n.region, ackLsn: 10, lagEntries: 0, lagMs: 0, inSync: !this.outOfSync.has(n.id), lastFetchAgoMs: 5 })),
              }
            : {}),
        };
      });
    return { node: node.id, configVersion: view.version, shards };
  }
}

/** Gateways as witnesses, scripted: each sees the scripted nodes' dead set, or cannot be asked. */
class ScriptedWitnesses implements WitnessPanel {
  readonly unreachable = new Set<string>();
  constructor(
    private readonly nodes: ScriptedNodes,
    private readonly gateways = [
      { witness: 'us-east-gw-1', region: 'us-east' },
      { witness: 'eu-west-gw-1', region: 'eu-west' },
    ],
  ) {}
  witnesses() {
    return this.gateways;
  }
  async ask(ids: readonly string[]): Promise<Map<string, WitnessVote[]>> {
    return new Map(
      ids.map((id) => [
        id,
        this.gateways.map((g): WitnessVote =>
          this.unreachable.has(g.witness)
            ? { ...g, verdict: 'abstain', detail: 'not reachable' }
            : this.nodes.dead.has(id)
              ? { ...g, verdict: 'down', failure: 'refused' }
              : { ...g, verdict: 'up' },
        ),
      ]),
    );
  }
}

const telemetry = startTelemetry({ service: 'control-plane', instance: 'failover-test', logLevel: 'silent' });
const scrape = createServer((req, res) => telemetry.scrape(req, res));
await new Promise<void>((r) => scrape.listen(0, '127.0.0.1', r));
const metricsUrl = `http://127.0.0.1:${(scrape.address() as AddressInfo).port}/metrics`;

describe('failover controller against scripted nodes (virtual clock)', () => {
  let f: Fixture;
  let topology: LoadedTopology;
  let nodes: ScriptedNodes;
  let controller: FailoverController;
  let clock: number;
  const DOWN = 'us-east-a-1';

  beforeEach(async () => {
    f = await controlPlaneFixture();
    topology = (await f.service.current()).topology;
    nodes = new ScriptedNodes(() => topology);
    clock = 1_000_000;
    controller = new FailoverController({ service: f.service, probe: nodes, logger: telemetry.logger, now: () => clock });
  });
  afterEach(async () => {
    await controller.stop();
    await f.close();
  });
  after(() => new Promise<void>((r) => scrape.close(() => r())));

  /** Rounds one probe interval apart, the config re-read before each. */
  async function rounds(n: number, stepMs = 1000): Promise<void> {
    for (let i = 0; i < n; i++) {
      topology = (await f.service.current()).topology;
      await controller.round();
      clock += stepMs;
    }
    topology = (await f.service.current()).topology;
  }
  const version = async () => (await f.service.current()).record.version;
  const nodeState = (id: string) => controller.status().nodes.find((n) => n.node === id);
  const ledBy = (t: LoadedTopology, id: string) => t.placements.filter((p) => new TopologyView(t).writePoint(p.shard).id === id).map((p) => p.shard);

  it('raises downAfterMs to two probe intervals at least (three failed checks in a row decide anyway)', async () => {
    await rounds(1);
    // The shipped topology: probes every 250 ms, so the floor is 500; the default 1000 is above it.
    assert.deepEqual(controller.status().downAfterMs, { configured: 1000, effective: 1000, floor: 500 });
    const doc = structuredClone((await f.service.current()).topology) as unknown as { failover: { downAfterMs: number } };
    doc.failover.downAfterMs = 100;
    await f.service.apply({ document: doc, baseVersion: await version(), author: 't', reason: 'short', action: { kind: 'apply' } });
    await rounds(1);
    assert.deepEqual(controller.status().downAfterMs, { configured: 100, effective: 500, floor: 500 });
  });

  it('never acts on a node that is slow once, nor on one never heard since start', async () => {
    nodes.dead.add('eu-west-a-1');
    const before = await version();
    await rounds(3);
    nodes.slowOnce.add(DOWN);
    await rounds(1);
    assert.equal(nodeState(DOWN)?.state, 'suspect');
    await rounds(30);
    assert.equal(nodeState(DOWN)?.state, 'up');
    assert.equal(nodeState('eu-west-a-1')?.state, 'unknown', 'dead from the start: never up, never acted on');
    assert.equal(await version(), before);
  });

  it('paused: observes only, reports the suppressed failover; resuming promotes in one audited version', async () => {
    // The only controller of this file with metrics: one set of gauges on the scraped meter.
    controller = new FailoverController({ service: f.service, probe: nodes, logger: telemetry.logger, meter: telemetry.meter, now: () => clock });
    await rounds(2);
    await f.service.apply({
      document: { ...structuredClone(topology), failover: { ...topology.failover, paused: true } },
      baseVersion: await version(),
      author: 'ops',
      reason: 'maintenance',
      action: { kind: 'failover-pause' },
    });
    const paused = await version();
    const shards = ledBy(topology, DOWN);
    nodes.dead.add(DOWN);
    await rounds(20);
    assert.equal(nodeState(DOWN)?.state, 'down');
    assert.equal(await version(), paused, 'nothing changed while paused');
    const s = controller.status();
    assert.equal(s.paused, true);
    assert.deepEqual(s.suppressed.map((x) => x.node), [DOWN]);
    assert.deepEqual(s.suppressed[0]?.shards, shards);
    assert.equal(nodeState(DOWN)?.lastAction?.kind, 'suppressed');
    const metrics = await (await fetch(metricsUrl)).text();
    const metric = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1];
    assert.equal(metric('setgate_failover_suppressed', `node="${DOWN}"`), '1');
    assert.equal(metric('setgate_failover_decisions_total', `outcome="suppressed",node="${DOWN}"`), '1', 'counted once per episode');
    assert.equal(metric('setgate_failover_node_up', `node="${DOWN}"`), '0');
    assert.equal(metric('setgate_failover_paused', ''), '1');

    await f.service.apply({
      document: { ...structuredClone(topology), failover: { ...topology.failover, paused: false } },
      baseVersion: paused,
      author: 'ops',
      reason: 'done',
      action: { kind: 'failover-resume' },
    });
    await rounds(1);
    assert.equal(await version(), paused + 2, 'resume, then exactly one failover version');
    const record = (await f.service.store.get(paused + 2)) as VersionRecord;
    assert.equal(record.author, 'failover-controller');
    assert.deepEqual(record.action, { kind: 'failover', nodes: [DOWN], shards });
    assert.match(record.reason, new RegExp(`write-point ${DOWN} unreachable for \\d+\\.\\d s \\(\\d+ failed probes in a row\\)`));
    const now = (await f.service.current()).topology;
    assert.deepEqual(ledBy(now, DOWN), []);
    for (const shard of shards) {
      const p = now.placements.find((x) => x.shard === shard);
      assert.equal(p?.epoch, 2);
      // Equal positions: the replica nearest us-east, eu-west-b.
      assert.equal(p?.leader, 'eu-west-b');
    }
    assert.equal(controller.status().suppressed.length, 0);
    assert.equal(nodeState(DOWN)?.lastAction?.kind, 'promoted');
    assert.equal(controller.status().recent.length, shards.length);
    await rounds(5);
    assert.equal(await version(), paused + 2, 'no second failover of the same node');
  });

  it('declares down only after downAfterMs of consecutive failures, waits out the lease, then promotes the most caught-up in-sync replica', async () => {
    await rounds(6); // past the startup grace (3 s)
    const before = await version();
    nodes.lsn.set('ap-south-a-1', 12);
    nodes.dead.add(DOWN);
    await rounds(4, 250);
    assert.equal(nodeState(DOWN)?.state, 'suspect', '0.75 s unreachable is below 1 s');
    await rounds(2, 250);
    assert.equal(nodeState(DOWN)?.state, 'down');
    assert.equal(await version(), before, 'down, but the lease (2000 + drift 250 from the first failure) has not surely run out');
    assert.equal(nodeState(DOWN)?.lastAction?.kind, 'deferred');
    await rounds(4, 250);
    assert.equal(await version(), before + 1);
    const now = (await f.service.current()).topology;
    assert.equal(now.placements.find((p) => p.shard === 0)?.leader, 'ap-south-a');
  });

  it('witness quorum: the controller alone fails nothing over; a second region agreeing does, once the revoked lease has run out', async () => {
    const witnesses = new ScriptedWitnesses(nodes);
    const leases = new LeaseGrants(() => clock);
    controller = new FailoverController({ service: f.service, probe: nodes, witnesses, leases, logger: telemetry.logger, now: () => clock });
    await rounds(6); // past the startup grace
    const before = await version();
    witnesses.unreachable.add('us-east-gw-1').add('eu-west-gw-1');
    nodes.dead.add(DOWN);
    await rounds(40, 250);
    assert.equal(await version(), before, 'a lone observer: no failover in 10 s');
    assert.notEqual(nodeState(DOWN)?.state, 'down');
    assert.deepEqual(nodeState(DOWN)?.votes?.map((v) => v.verdict), ['down', 'abstain', 'abstain']);

    witnesses.unreachable.delete('eu-west-gw-1');
    leases.answer(DOWN); // its watch was answered just now (e.g. a poll pending when it died)
    await rounds(8, 250);
    assert.equal(nodeState(DOWN)?.state, 'suspect', 'a quorum for 2 s, but its poll was answered with a lease 2 s ago: alive');
    assert.equal(nodeState(DOWN)?.votes?.at(-1)?.witness, 'watch');
    assert.equal(await version(), before);
    await rounds(6, 250);
    assert.equal(await version(), before + 1, 'down and failed over once that lease (2000 + drift 250) is behind it');
    assert.equal(leases.isRevoked(DOWN), true);
    assert.equal(leases.answer(DOWN), 'revoked', 'a revoked node is told so, and that answer grants nothing');
    const record = (await f.service.store.get(before + 1)) as VersionRecord;
    assert.match(record.reason, /evidence: us-east-a-1: witnesses at .*control-plane@control-plane down \(refused.*us-east-gw-1@us-east no vote.*eu-west-gw-1@eu-west down \(refused/);
    assert.match(record.reason, /lease last granted 2\.5 s before, revoked, run out/);

    // The shards it led are in hold-down now: none of them fails over again within holdDownMs.
    assert.deepEqual(
      controller.status().holdDown?.shards.map((x) => x.shard).sort((a, b) => a - b),
      record.action.kind === 'failover' ? [...(record.action as { readonly shards: readonly number[] }).shards].sort((a, b) => a - b) : [],
    );
  });

  it('holds a sync shard whose in-sync replicas are unreachable, says why, and still fails over the rest in one version', async () => {
    nodes.outOfSync.add('eu-west-b-1');
    await rounds(2);
    const before = await version();
    const held = ledBy(topology, DOWN);
    // ap-south-a-1 is the only in-sync follower of us-east-a-1's shards, and a write-point itself.
    const other = ledBy(topology, 'ap-south-a-1');
    nodes.dead.add(DOWN);
    nodes.dead.add('ap-south-a-1');
    await rounds(20);
    assert.equal(await version(), before + 1, "one version: ap-south-a-1's shards");
    const record = (await f.service.store.get(before + 1)) as VersionRecord;
    assert.deepEqual(record.action, { kind: 'failover', nodes: ['ap-south-a-1'], shards: other });
    const now = (await f.service.current()).topology;
    assert.deepEqual(ledBy(now, DOWN), held, 'no promotion without a reachable in-sync replica');
    const action = nodeState(DOWN)?.lastAction;
    assert.equal(action?.kind, 'held');
    assert.match(action?.detail ?? '', /no replica us-east-a-1 counted in sync \(ap-south-a-1\) is reachable/);
  });
});
