import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Topology } from '@setgate/config';
import { ControlPlaneErrors } from '../../src/control-plane/errors.js';
import type { openApiDocument } from '../../src/control-plane/http/openapi.js';
import { bearer, controlPlaneFixture, type Fixture } from './fixture.js';
import { ReplicaModel } from './replica-model.js';

describe('control plane admin API', () => {
  let f: Fixture;
  let model: ReplicaModel | undefined;
  before(async () => {
    // Leader changes in these documents go through the leader-change protocol: nodes to fence are modelled.
    f = await controlPlaneFixture({
      control: {
        fence: (n, s, e) => (model as ReplicaModel).fence(n, s, e),
        position: (n, s) => (model as ReplicaModel).position(n, s),
        installTopology: (n, t) => (model as ReplicaModel).installTopology(n, t),
      },
    });
    model = new ReplicaModel(f.seed);
  });
  after(async () => {
    model?.close();
    await f.close();
  });

  const current = async () => (await f.app.inject({ url: '/v1/config', headers: bearer('viewer') })).json() as { version: number; document: Topology };

  it('answers 401 without a token or with an unknown one, 403 with a viewer token for a change', async () => {
    const none = await f.app.inject({ url: '/v1/config' });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['content-type']), /^application\/problem\+json/);
    assert.equal(none.json().code, 'SETGATE_CP_UNAUTHENTICATED');
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    const wrong = await f.app.inject({ url: '/v1/config', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
    const { version, document } = await current();
    const body = { document, baseVersion: version, reason: 'viewer tries' };
    const viewer = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('viewer'), payload: body });
    assert.equal(viewer.statusCode, 403);
    assert.equal(viewer.json().code, 'SETGATE_CP_FORBIDDEN');
    for (const url of ['/v1/ops/drain', '/v1/ops/failover/pause', '/v1/config/rollback']) {
      const r = await f.app.inject({ method: 'POST', url, headers: bearer('viewer'), payload: { target: 'set', name: 'x', reason: 'abc', to: 1, baseVersion: 1 } });
      assert.equal(r.statusCode, 403, url);
    }
    assert.equal((await current()).version, version, 'nothing changed');
  });

  it('refuses an invalid document with every problem listed and changes nothing', async () => {
    const { version, document } = await current();
    const bad = structuredClone(document);
    (bad.sets[0] as { region: string }).region = 'mars';
    (bad.placements[3] as { leader: string }).leader = 'nowhere';
    (bad.commands[1] as { path: string }).path = (bad.commands[0] as { path: string }).path;
    (bad.commands[1] as { method: string }).method = (bad.commands[0] as { method: string }).method;
    bad.regions.forEach((r) => {
      (r as { drained: boolean }).drained = true;
    });
    const dry = (await f.app.inject({ method: 'POST', url: '/v1/config/validate', headers: bearer('viewer'), payload: { document: bad } })).json();
    assert.equal(dry.valid, false);
    const paths = (dry.problems as Array<{ path: string }>).map((p) => p.path);
    for (const p of ['/sets/0/region', '/placements/3/leader', '/commands/1/path', '/regions']) assert.ok(paths.includes(p), `${p} in ${paths}`);
    const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: bad, baseVersion: version, reason: 'broken' } });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().code, 'SETGATE_CP_INVALID_DOCUMENT');
    assert.ok(r.json().problems.length >= 4);
    assert.equal((await current()).version, version);
  });

  it('applies with the expected base version, 409 on a stale one, and shows the impact first', async () => {
    const { version, document } = await current();
    const next = structuredClone(document);
    const p = next.placements[0] as { leader: string; epoch: number; replicas: string[] };
    p.leader = p.replicas[1] as string;
    p.epoch += 1;
    next.commands.push({ ...(next.commands[0] as Topology['commands'][number]), name: 'profile.peek', path: '/v1/profile/peek' });
    const dry = (await f.app.inject({ method: 'POST', url: '/v1/config/validate', headers: bearer('viewer'), payload: { document: next } })).json();
    assert.equal(dry.valid, true);
    assert.deepEqual(dry.impact.shards[0].leader, { from: document.placements[0]?.leader, to: p.leader });
    assert.deepEqual(dry.impact.commands.added, ['profile.peek']);
    const ok = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: next, baseVersion: version, reason: 'move shard 0, add peek' } });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().version, version + 1);
    const stale = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: next, baseVersion: version, reason: 'again' } });
    assert.equal(stale.statusCode, 409);
    assert.equal(stale.json().currentVersion, version + 1);
  });

  it('refuses a leader change without a new epoch', async () => {
    const { version, document } = await current();
    const next = structuredClone(document);
    const p = next.placements[1] as { leader: string; replicas: string[] };
    p.leader = p.replicas[1] as string;
    const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: next, baseVersion: version, reason: 'unsafe' } });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().problems[0].path, '/placements/1/epoch');
    assert.match(r.json().problems[0].message, /epoch stays 1; it must be at least 2/);
    assert.equal((await current()).version, version);
  });

  it('needs the admin role to change the auth or controlPlane sections', async () => {
    const { version, document } = await current();
    const next = structuredClone(document);
    (next.controlPlane as { watchTimeoutMs: number }).watchTimeoutMs = 1000;
    const payload = { document: next, baseVersion: version, reason: 'shorter watch' };
    const op = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload });
    assert.equal(op.statusCode, 403);
    const admin = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('admin'), payload });
    assert.equal(admin.statusCode, 201);
  });

  it('rolls back to an earlier version exactly, as a new audited version', async () => {
    const { version } = await current();
    const payload = { to: 1, baseVersion: version, reason: 'back to the start' };
    // Version 1 has the admin-only controlPlane section as it was, so undoing the admin's change needs admin.
    const op = await f.app.inject({ method: 'POST', url: '/v1/config/rollback', headers: bearer('operator'), payload });
    assert.equal(op.statusCode, 403);
    const r = await f.app.inject({ method: 'POST', url: '/v1/config/rollback', headers: bearer('admin'), payload });
    assert.equal(r.statusCode, 201, r.body);
    const now = await current();
    assert.equal(now.version, version + 1);
    const v1 = (await f.app.inject({ url: '/v1/config/versions/1', headers: bearer('viewer') })).json();
    // Exactly version 1, except that epochs only move forward: shard 0's leader came back at a new epoch.
    const noEpochs = (d: Topology) => ({ ...d, version: 0, placements: d.placements.map((p) => ({ ...p, epoch: 0 })) });
    assert.deepEqual(noEpochs(now.document), noEpochs(v1.document));
    assert.equal(now.document.placements[0]?.leader, v1.document.placements[0].leader);
    assert.equal(now.document.placements[0]?.epoch, 3);
    assert.equal(now.document.placements[1]?.epoch, 1);
    const hist = (await f.app.inject({ url: '/v1/config/history?limit=2', headers: bearer('viewer') })).json();
    assert.equal(hist.versions[0].version, now.version);
    assert.deepEqual(hist.versions[0].action, { kind: 'rollback', to: 1 });
    assert.equal(hist.versions[0].author, 'dev-admin');
    assert.equal(hist.versions[0].reason, 'back to the start');
    assert.ok(hist.versions[0].changes.length > 0);
    const d = (await f.app.inject({ url: `/v1/config/diff?from=1&to=${now.version}`, headers: bearer('viewer') })).json();
    assert.deepEqual(d.changes, [{ op: 'change', path: '/placements/0/epoch', before: 1, after: 3 }]);
  });

  it('pauses and resumes failover as audited versions; a repeated pause is refused', async () => {
    const pause = await f.app.inject({ method: 'POST', url: '/v1/ops/failover/pause', headers: bearer('operator'), payload: { reason: 'maintenance' } });
    assert.equal(pause.statusCode, 201);
    assert.deepEqual(pause.json().impact.failover, { pausedFrom: false, pausedTo: true });
    assert.equal((await current()).document.failover.paused, true);
    const again = await f.app.inject({ method: 'POST', url: '/v1/ops/failover/pause', headers: bearer('operator'), payload: { reason: 'twice' } });
    assert.equal(again.statusCode, 422);
    const resume = await f.app.inject({ method: 'POST', url: '/v1/ops/failover/resume', headers: bearer('operator'), payload: { reason: 'done' } });
    assert.equal(resume.statusCode, 201);
  });

  it('long-polls: answers at once when behind, 204 when nothing changes, and wakes on a change', async () => {
    const { version, document } = await current();
    const behind = await f.app.inject({ url: `/v1/config/watch?after=${version - 1}`, headers: bearer('viewer') });
    assert.equal(behind.statusCode, 200);
    assert.equal(behind.json().version, version);
    const idle = await f.app.inject({ url: `/v1/config/watch?after=${version}&timeoutMs=50`, headers: bearer('viewer') });
    assert.equal(idle.statusCode, 204);
    const waiting = f.app.inject({ url: `/v1/config/watch?after=${version}&timeoutMs=10000`, headers: bearer('viewer') });
    const next = structuredClone(document);
    (next.sets[5] as { drained: boolean }).drained = true;
    // ap-south-b leads shards; move them first so the drained set leads nothing.
    for (const p of next.placements) {
      if (p.leader === 'ap-south-b') {
        (p as { leader: string }).leader = p.replicas.find((s) => s !== 'ap-south-b') as string;
        (p as { epoch: number }).epoch += 1;
      }
    }
    const applied = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: next, baseVersion: version, reason: 'drain by hand' } });
    assert.equal(applied.statusCode, 201, applied.body);
    const woke = await waiting;
    assert.equal(woke.statusCode, 200);
    assert.equal(woke.json().version, version + 1);
  });

  it('reports status: regions, sets, nodes, shards and leaders', async () => {
    const s = (await f.app.inject({ url: '/v1/status', headers: bearer('viewer') })).json();
    assert.equal(s.regions.length, 3);
    assert.equal(s.shards.length, 64);
    assert.equal(s.nodes.length, 6);
    assert.equal(s.sets.reduce((n: number, x: { leaders: number }) => n + x.leaders, 0), 64);
  });

  it('documents exactly the registered routes in /openapi.json, and every error code', async () => {
    const doc = (await f.app.inject({ url: '/openapi.json' })).json() as ReturnType<typeof openApiDocument>;
    const documented = new Set(
      Object.entries(doc.paths as Record<string, object>).flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const registered = new Set(f.app.registeredRoutes);
    assert.deepEqual([...registered].sort(), [...documented].sort());
    const codes = JSON.stringify(doc.components);
    for (const code of Object.keys(ControlPlaneErrors.catalogue)) assert.ok(codes.includes(code), code);
  });
});

