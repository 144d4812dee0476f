import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nearestServingRegion } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import type { OperationView } from '../../src/control-plane/ops/operations.js';
import type { SwitchoverReport } from '../../src/control-plane/ops/switchover.js';
import { bearer, controlPlaneFixture, type Fixture } from './fixture.js';
import { ReplicaModel, writeLoad } from './replica-model.js';

describe('planned switchover (shard move, drain) against a replica model', () => {
  let f: Fixture;
  let model: ReplicaModel;
  let view: TopologyView;
  let off: () => void;

  before(async () => {
    let control: ReplicaModel | undefined;
    f = await controlPlaneFixture({
      control: {
        fence: (n, s, e) => (control as ReplicaModel).fence(n, s, e),
        position: (n, s) => (control as ReplicaModel).position(n, s),
        installTopology: (n, t) => (control as ReplicaModel).installTopology(n, t),
      },
    });
    model = new ReplicaModel(f.seed);
    control = model;
    view = new TopologyView((await f.service.current()).topology);
    // Clients route by the newest version, as gateways do after their watch.
    off = f.service.store.subscribe(() => {
      void f.service.current().then((c) => {
        view = new TopologyView(c.topology);
      });
    });
  });
  after(async () => {
    off();
    model.close();
    await f.close();
  });

  const settle = async (op: OperationView) => (await f.operations.settle(op.id)) as OperationView;

  it('moves a shard under write load: no acknowledged write lost, epoch + 1, write pause reported', async () => {
    const shard = 1;
    const before = view.placement(shard);
    const to = before.replicas.find((s) => s !== before.leader) as string;
    const load = writeLoad(model, shard, () => view.writePoint(shard).id);
    await new Promise((r) => setTimeout(r, 50));
    const r = await f.app.inject({ method: 'POST', url: `/v1/ops/shards/${shard}/move`, headers: bearer('operator'), payload: { to, reason: 'planned move' } });
    assert.equal(r.statusCode, 202, r.body);
    const op = await settle(r.json());
    assert.equal(op.state, 'succeeded', JSON.stringify(op.error));
    await new Promise((r) => setTimeout(r, 50));
    await load.stop();

    const report = op.result as SwitchoverReport;
    const after = (await f.service.current()).topology;
    const p = after.placements.find((x) => x.shard === shard);
    assert.equal(p?.leader, to);
    assert.equal(p?.epoch, before.epoch + 1);
    assert.equal(report.shards[0]?.epoch, before.epoch + 1);
    assert.ok(report.maxWritePauseMs > 0);
    const newLeader = new TopologyView(after).writePoint(shard).id;
    const held = new Set(model.values(newLeader, shard));
    const lost = load.acked.filter((v) => !held.has(v));
    assert.deepEqual(lost, [], `${lost.length} of ${load.acked.length} acknowledged writes missing on ${newLeader}`);
    assert.ok(load.acked.length > 10, 'writes kept flowing');
    assert.ok(op.steps.some((s) => /fencing/.test(s.message)) && op.steps.some((s) => /catch up/.test(s.message)));
    const hist = (await f.app.inject({ url: '/v1/config/history?limit=1', headers: bearer('viewer') })).json();
    assert.deepEqual(hist.versions[0].action, { kind: 'shard-move', shards: [shard], to });
  });

  it('refuses a move to a set without a replica of the shard', async () => {
    const p = view.placement(2);
    const outsider = f.seed.sets.map((s) => s.name).find((s) => !p.replicas.includes(s)) as string;
    const r = await f.app.inject({ method: 'POST', url: '/v1/ops/shards/2/move', headers: bearer('operator'), payload: { to: outsider, reason: 'bad move' } });
    assert.equal(r.statusCode, 422);
    assert.match(r.json().detail, /holds no replica/);
  });

  it('refuses when the target does not catch up (409, the shard and why) before fencing: nothing published, the old leader keeps writing', async () => {
    const shard = 4;
    const before = view.placement(shard);
    const from = view.writePoint(shard).id;
    const to = before.replicas.find((s) => s !== before.leader) as string;
    const target = view.nodesOfSet(to)[0]?.id as string;
    model.stalled.add(target);
    model.write(from, shard, 'unreplicated');
    try {
      const r = await f.app.inject({ method: 'POST', url: `/v1/ops/shards/${shard}/move`, headers: bearer('operator'), payload: { to, reason: 'doomed move' } });
      const op = await settle(r.json());
      assert.equal(op.state, 'failed');
      assert.equal(op.error?.code, 'SETGATE_CP_LEADER_CHANGE_REFUSED');
      const why = (op.error as unknown as { shards: Array<{ shard: number; code: string; mayBeLost?: number }> }).shards;
      assert.deepEqual(why.map((x) => [x.shard, x.code, x.mayBeLost]), [[shard, 'TARGET_BEHIND', 1]]);
      const p = (await f.service.current()).topology.placements.find((x) => x.shard === shard);
      assert.equal(p?.leader, before.leader);
      assert.equal(p?.epoch, before.epoch, 'refused before the fence: no re-confirming version needed');
      assert.ok(model.write(from, shard, 'after the refusal'), 'the old leader was not left fenced');
    } finally {
      model.stalled.delete(target);
    }
  });

  it('drains region eu-west: every leader leaves by switchover, users go to the next nearest region; undrain brings it back', async () => {
    const euSets = new Set(f.seed.sets.filter((s) => s.region === 'eu-west').map((s) => s.name));
    const led = view.doc.placements.filter((p) => euSets.has(p.leader)).map((p) => p.shard);
    assert.ok(led.length > 0);
    const shard = led[0] as number;
    const load = writeLoad(model, shard, () => view.writePoint(shard).id);
    const dry = (await f.service.current()).topology;
    assert.equal(nearestServingRegion(dry, 'eu-west'), 'eu-west');
    const r = await f.app.inject({ method: 'POST', url: '/v1/ops/drain', headers: bearer('operator'), payload: { target: 'region', name: 'eu-west', reason: 'region maintenance' } });
    assert.equal(r.statusCode, 202, r.body);
    const op = await settle(r.json());
    await load.stop();
    assert.equal(op.state, 'succeeded', JSON.stringify(op.error));
    const t = (await f.service.current()).topology;
    assert.equal(t.regions.find((x) => x.name === 'eu-west')?.drained, true);
    assert.deepEqual(t.placements.filter((p) => euSets.has(p.leader)), []);
    assert.equal((op.result as SwitchoverReport).shards.length, led.length);
    // eu-west users now go to us-east (75 ms) rather than ap-south (120 ms).
    assert.equal(nearestServingRegion(t, 'eu-west'), 'us-east');
    const held = new Set(model.values(new TopologyView(t).writePoint(shard).id, shard));
    assert.deepEqual(load.acked.filter((v) => !held.has(v)), []);

    const again = await f.app.inject({ method: 'POST', url: '/v1/ops/drain', headers: bearer('operator'), payload: { target: 'region', name: 'eu-west', reason: 'twice' } });
    assert.equal(again.statusCode, 422);
    const undrain = await f.app.inject({ method: 'POST', url: '/v1/ops/undrain', headers: bearer('operator'), payload: { target: 'region', name: 'eu-west', reason: 'maintenance over' } });
    assert.equal(undrain.statusCode, 201, undrain.body);
    assert.deepEqual(undrain.json().impact.regions, [{ name: 'eu-west', change: 'undrained' }]);
    assert.equal(nearestServingRegion((await f.service.current()).topology, 'eu-west'), 'eu-west');
  });

  it('refuses to drain the last serving region before fencing anything', async () => {
    for (const name of ['ap-south', 'us-east']) {
      const r = await f.app.inject({ method: 'POST', url: '/v1/ops/drain', headers: bearer('operator'), payload: { target: 'region', name, reason: 'shrink' } });
      assert.equal(r.statusCode, 202, r.body);
      assert.equal((await settle(r.json())).state, 'succeeded');
    }
    const version = (await f.service.current()).record.version;
    const last = await f.app.inject({ method: 'POST', url: '/v1/ops/drain', headers: bearer('operator'), payload: { target: 'region', name: 'eu-west', reason: 'too far' } });
    assert.equal(last.statusCode, 422);
    assert.equal(last.json().code, 'SETGATE_CP_OPERATION_REFUSED');
    assert.equal((await f.service.current()).record.version, version);
    const t = (await f.service.current()).topology;
    assert.deepEqual(t.regions.filter((r) => !r.drained).map((r) => r.name), ['eu-west']);
  });
});
