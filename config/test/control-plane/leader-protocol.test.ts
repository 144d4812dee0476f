import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile, type Topology, validateTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { decideShard, type Promotion } from '../../src/control-plane/failover/decide.js';
import { failoverAudit } from '../../src/control-plane/failover/publish.js';
import {
  entriesBehind,
  judgeLeaderChange,
  type LeaderChangePlan,
  leaderChangesBetween,
} from '../../src/control-plane/ops/leader-verdict.js';
import { editable } from '../../src/control-plane/ops/placement-plan.js';
import { bearer, controlPlaneFixture, type Fixture, SHIPPED } from './fixture.js';
import { ReplicaModel } from './replica-model.js';

const plan: LeaderChangePlan = { shard: 3, fromNode: 'a-1', toNode: 'b-1', toSet: 'b', epoch: 4, mode: 'sync' };
const pos = (epoch: number, lsn: number) => ({ epoch, lsn });

describe('leader-change protocol: the per-shard decision (leader-verdict.ts)', () => {
  it('clean when the new leader holds the fenced position; an empty log is always held', () => {
    assert.deepEqual(judgeLeaderChange({ plan, fencedAt: pos(4, 10), target: pos(4, 10), targetAnswered: true }), { kind: 'clean' });
    assert.deepEqual(judgeLeaderChange({ plan, fencedAt: pos(4, 10), target: pos(4, 12), targetAnswered: true }), { kind: 'clean' });
    assert.deepEqual(judgeLeaderChange({ plan, fencedAt: pos(4, 0), target: pos(0, 0), targetAnswered: true }), { kind: 'clean' });
  });

  it('TARGET_BEHIND with the number of acknowledged entries it lacks', () => {
    const v = judgeLeaderChange({ plan, fencedAt: pos(4, 10), target: pos(4, 7), targetAnswered: true });
    assert.equal(v.kind, 'unclean');
    assert.ok(v.kind === 'unclean');
    assert.equal(v.code, 'TARGET_BEHIND');
    assert.equal(v.mayBeLost, 3);
    assert.match(v.reason, /shard 3: b-1 is at 4:7, behind a-1's last acknowledged position 4:10 \(3 entries\)/);
  });

  it("TARGET_UNREACHABLE: the old leader's view of a silent new leader gives the figure, none gives unknown", () => {
    const seen = judgeLeaderChange({ plan, fencedAt: pos(4, 10), target: pos(4, 4), targetAnswered: false });
    assert.ok(seen.kind === 'unclean');
    assert.equal(seen.code, 'TARGET_UNREACHABLE');
    assert.equal(seen.mayBeLost, 6);
    const blind = judgeLeaderChange({ plan, fencedAt: pos(4, 10), targetAnswered: false });
    assert.ok(blind.kind === 'unclean');
    assert.equal(blind.code, 'TARGET_UNREACHABLE');
    assert.equal(blind.mayBeLost, undefined);
  });

  it('OLD_LEADER_UNREACHABLE: without a fence nothing is proven, even when the target looks ahead', () => {
    const v = judgeLeaderChange({ plan, lastKnown: pos(4, 10), target: pos(4, 11), targetAnswered: true });
    assert.ok(v.kind === 'unclean');
    assert.equal(v.code, 'OLD_LEADER_UNREACHABLE');
    assert.equal(v.mayBeLost, 0);
    const behind = judgeLeaderChange({ plan, lastKnown: pos(4, 10), target: pos(4, 2), targetAnswered: true });
    assert.ok(behind.kind === 'unclean');
    assert.equal(behind.mayBeLost, 8);
  });

  it('entriesBehind: LSN difference; a log at an older epoch is behind by at least one entry', () => {
    assert.equal(entriesBehind(pos(4, 10), pos(4, 10)), 0);
    assert.equal(entriesBehind(pos(4, 10), pos(4, 3)), 7);
    assert.equal(entriesBehind(pos(4, 10), pos(3, 12)), 1);
    assert.equal(entriesBehind(pos(4, 0), pos(0, 0)), 0);
  });

  it('finds the shards whose write-point node changes (set or leaderNode), not epoch-only edits', () => {
    const seed = loadTopologyFile(SHIPPED);
    const doc = editable(seed);
    const p0 = doc.placements[0] as Topology['placements'][number];
    p0.leader = p0.replicas[1] as string;
    p0.epoch += 1;
    (doc.placements[1] as Topology['placements'][number]).epoch += 1;
    const next = validateTopology(doc);
    assert.ok(next.ok);
    const changes = leaderChangesBetween(seed, next.topology);
    assert.deepEqual(
      changes.map((c) => [c.shard, c.fromNode, c.toNode, c.epoch, c.mode]),
      [[0, 'us-east-a-1', 'eu-west-b-1', 1, 'sync']],
    );
  });
});

describe('failover through the same rule: async loss accounted (decide.ts, publish.ts)', () => {
  const seed = loadTopologyFile(SHIPPED);
  const doc = editable(seed);
  for (const p of doc.placements) {
    p.mode = 'async';
    p.minInsync = 0;
  }
  const r = validateTopology(doc);
  assert.ok(r.ok);
  const view = new TopologyView(r.topology);
  const followers = [
    { node: 'eu-west-b-1', inSync: true, following: true },
    { node: 'ap-south-a-1', inSync: true, following: true },
  ];
  const decide = (probeLsn: number | undefined, replicas: Array<[string, number, number?]>) =>
    decideShard({
      view,
      shard: 0,
      downNode: 'us-east-a-1',
      ...(probeLsn === undefined ? {} : { lastSeen: { followers, position: pos(1, probeLsn), highWatermark: probeLsn, at: 0 } }),
      replicas: new Map(replicas.map(([node, lsn, seen]) => [node, { node, position: pos(1, lsn), ...(seen === undefined ? {} : { leaderLsnSeen: seen }) }])),
    }) as Promotion;

  it('counts what the promoted follower lacks of the leader last probed', () => {
    const p = decide(20, [
      ['eu-west-b-1', 12],
      ['ap-south-a-1', 15],
    ]);
    assert.equal(p.toNode, 'ap-south-a-1');
    assert.equal(p.behindLastSeen, 5);
    assert.deepEqual(p.lastKnown, pos(1, 20));
    const audit = failoverAudit(p);
    assert.equal(audit.clean, false);
    assert.equal(audit.mayBeLost, 5);
    assert.equal(audit.oldLeader, 'unreachable');
    assert.deepEqual(audit.newLeaderAt, pos(1, 15));
  });

  it("a follower's fresher word on the leader's log end counts (the probe alone is up to a probe interval old)", () => {
    // The probe saw lsn 10, both followers passed it; one had heard the leader reach 18.
    const p = decide(10, [
      ['eu-west-b-1', 14, 18],
      ['ap-south-a-1', 13, 14],
    ]);
    assert.equal(p.toNode, 'eu-west-b-1');
    assert.equal(p.behindLastSeen, 4);
    assert.deepEqual(p.lastKnown, pos(1, 18));
  });

  it('never heard: the loss is unknown, not zero', () => {
    const p = decide(undefined, [['eu-west-b-1', 14]]);
    assert.equal(p.lastKnown, undefined);
    const audit = failoverAudit(p);
    assert.equal(audit.clean, false);
    assert.equal(audit.mayBeLost, undefined);
    assert.equal(audit.code, 'OLD_LEADER_UNREACHABLE');
  });

  it('caught up: clean, 0 lost', () => {
    const audit = failoverAudit(decide(20, [['eu-west-b-1', 20]]));
    assert.equal(audit.clean, true);
    assert.equal(audit.mayBeLost, 0);
  });
});

describe('leader-change protocol on apply and rollback (admin API, replica model)', () => {
  let f: Fixture;
  let model: ReplicaModel;
  const unreachable = new Set<string>();
  /** Runs just before a fence reaches the model (a write slipping in between the pre-check and the fence). */
  let beforeFence: ((node: string, shard: number) => void) | undefined;

  before(async () => {
    let m: ReplicaModel | undefined;
    f = await controlPlaneFixture({
      control: {
        fence: (n, s, e) => {
          beforeFence?.(n.id, s);
          return (m as ReplicaModel).fence(n, s, e);
        },
        position: async (n, s) => {
          if (unreachable.has(n.id)) throw new Error(`${n.id}: connect ETIMEDOUT`);
          return (m as ReplicaModel).position(n, s);
        },
        installTopology: (n, t) => (m as ReplicaModel).installTopology(n, t),
      },
    });
    model = new ReplicaModel(f.seed);
    m = model;
  });
  after(async () => {
    model.close();
    await f.close();
  });

  const current = async () => (await f.app.inject({ url: '/v1/config', headers: bearer('viewer') })).json() as { version: number; document: Topology };
  /** The current document with shard `shard` led by its second replica set, epoch + 1. */
  const moved = async (shard: number) => {
    const { version, document } = await current();
    const p = document.placements[shard] as Topology['placements'][number];
    const to = p.replicas.find((s) => s !== p.leader) as string;
    p.leader = to;
    p.epoch += 1;
    return { version, document, to, target: new TopologyView(f.seed).nodesOfSet(to)[0]?.id as string };
  };

  it('moves a leader on apply by fence + catch-up: clean, audited with both positions', async () => {
    const shard = 7;
    const from = new TopologyView(f.seed).writePoint(shard).id;
    for (let i = 0; i < 5; i++) model.write(from, shard, `a${i}`);
    const { version, document, target } = await moved(shard);
    const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document, baseVersion: version, reason: 'move by apply' } });
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json();
    assert.equal(body.version, version + 1);
    assert.equal(body.forced, false);
    assert.deepEqual(
      body.leaderChanges.map((c: { shard: number; toNode: string; clean: boolean; mayBeLost: number; oldLeader: string; oldLeaderAt: unknown }) => [c.shard, c.toNode, c.clean, c.mayBeLost, c.oldLeader]),
      [[shard, target, true, 0, 'fenced']],
    );
    assert.deepEqual(model.values(target, shard).slice(0, 5), ['a0', 'a1', 'a2', 'a3', 'a4']);
  });

  it('refuses an apply onto a lagging replica with 409, each shard and why; nothing published, the leader keeps writing', async () => {
    const shard = 9;
    const from = new TopologyView(f.seed).writePoint(shard).id;
    const { version, document, target } = await moved(shard);
    model.stalled.add(target);
    try {
      for (let i = 0; i < 3; i++) model.write(from, shard, `lag${i}`);
      const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document, baseVersion: version, reason: 'unsafe move' } });
      assert.equal(r.statusCode, 409, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      const problem = r.json();
      assert.equal(problem.code, 'SETGATE_CP_LEADER_CHANGE_REFUSED');
      assert.deepEqual(
        problem.shards.map((s: { shard: number; fromNode: string; toNode: string; code: string; mayBeLost: number }) => [s.shard, s.fromNode, s.toNode, s.code, s.mayBeLost]),
        [[shard, from, target, 'TARGET_BEHIND', 3]],
      );
      assert.equal((await current()).version, version, 'refused before any fence: no version');
      assert.ok(model.write(from, shard, 'still leader'), 'the old leader was never fenced');

      // Forced: published, audited, with the figure; counted in the status ledger.
      const forced = await f.app.inject({
        method: 'POST',
        url: '/v1/config/apply',
        headers: bearer('operator'),
        payload: { document, baseVersion: version, reason: 'forced move', forceUnclean: true },
      });
      assert.equal(forced.statusCode, 201, forced.body);
      const change = forced.json().leaderChanges[0];
      assert.equal(forced.json().forced, true);
      assert.equal(change.clean, false);
      assert.equal(change.forced, true);
      assert.equal(change.code, 'TARGET_BEHIND');
      assert.equal(change.mayBeLost, 4);
      const hist = (await f.app.inject({ url: '/v1/config/history?limit=1', headers: bearer('viewer') })).json();
      assert.equal(hist.versions[0].forced, true);
      assert.equal(hist.versions[0].leaderChanges[0].mayBeLost, 4);
      const status = (await f.app.inject({ url: '/v1/status', headers: bearer('viewer') })).json();
      assert.equal(status.uncleanPromotions.forcedSyncLostWrites, 4);
      assert.deepEqual(
        status.uncleanPromotions.recent.map((e: { shard: number; cause: string; mayBeLost: number }) => [e.shard, e.cause, e.mayBeLost]),
        [[shard, 'forced', 4]],
      );
    } finally {
      model.stalled.delete(target);
    }
  });

  it('refuses a rollback onto a replica that does not answer, before fencing anything', async () => {
    const shard = 11;
    const { version: v0, document, target } = await moved(shard);
    const applied = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document, baseVersion: v0, reason: 'move 11' } });
    assert.equal(applied.statusCode, 201, applied.body);
    const back = new TopologyView(f.seed).writePoint(shard).id;
    unreachable.add(back);
    try {
      const r = await f.app.inject({ method: 'POST', url: '/v1/config/rollback', headers: bearer('admin'), payload: { to: v0, baseVersion: v0 + 1, reason: 'back' } });
      assert.equal(r.statusCode, 409, r.body);
      assert.deepEqual(
        r.json().shards.map((s: { shard: number; fromNode: string; toNode: string; code: string }) => [s.shard, s.fromNode, s.toNode, s.code]),
        [[shard, target, back, 'TARGET_UNREACHABLE']],
      );
      assert.equal((await current()).version, v0 + 1);
    } finally {
      unreachable.delete(back);
    }
    const ok = await f.app.inject({ method: 'POST', url: '/v1/config/rollback', headers: bearer('admin'), payload: { to: v0, baseVersion: v0 + 1, reason: 'back' } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(ok.json().leaderChanges.map((c: { shard: number; toNode: string; clean: boolean }) => [c.shard, c.toNode, c.clean]), [[shard, back, true]]);
  });

  it('refuses after the fence when the target falls behind the fenced position, lifting the fence by re-confirming the old leader', async () => {
    const shard = 15;
    const from = new TopologyView(f.seed).writePoint(shard).id;
    const { version, document, target } = await moved(shard);
    beforeFence = (node, s) => {
      if (node !== from || s !== shard) return;
      model.stalled.add(target);
      model.write(from, shard, 'slipped in before the fence');
    };
    try {
      const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document, baseVersion: version, reason: 'move 15' } });
      assert.equal(r.statusCode, 409, r.body);
      const problem = r.json();
      assert.deepEqual(
        problem.shards.map((x: { shard: number; code: string; mayBeLost: number }) => [x.shard, x.code, x.mayBeLost]),
        [[shard, 'TARGET_BEHIND', 1]],
      );
      assert.equal(problem.currentVersion, version + 1, 'the re-confirming version is named');
      const now = (await f.service.current()).topology;
      const p = now.placements.find((x) => x.shard === shard);
      assert.equal(new TopologyView(now).writePoint(shard).id, from, 'the old leader stays');
      assert.equal(p?.epoch, (document.placements[shard]?.epoch ?? 0), 'at epoch + 1, which lifts its fence');
      assert.ok(model.write(from, shard, 'after the abort'), 'the old leader takes writes again');
    } finally {
      beforeFence = undefined;
      model.stalled.delete(target);
    }
  });

  it('no path can skip the protocol: a write-point change without its account is refused by the config service', async () => {
    const { version, document } = await moved(13);
    await assert.rejects(
      f.service.apply({ document, baseVersion: version, author: 't', reason: 'sneaky', action: { kind: 'apply' } }),
      (err: { code?: string }) => err.code === 'SETGATE_CP_LEADER_CHANGE_UNPROVEN',
    );
    assert.equal((await current()).version, version);
  });
});
