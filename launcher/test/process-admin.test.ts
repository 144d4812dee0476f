import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AdminTokenDef, adminTokenHash } from '@setgate/config';
import type { ProcessesAnswer, RestartAnswer } from '@setgate/contracts';
import { Supervisor } from '@setgate/process-supervisor';
import { type ProcessAdmin, startProcessAdmin } from '../src/process-admin.js';

/** A child that reports ready and waits (the process supervisor's own fixture). */
const READY_CHILD = new URL('../../packages/process-supervisor/test/fixtures/ready.ts', import.meta.url).pathname;
const TOKENS = { viewer: 'process-admin-test-viewer', operator: 'process-admin-test-operator' };
const tokens: AdminTokenDef[] = Object.entries(TOKENS).map(([role, token]) => ({ name: `${role}-1`, role: role as AdminTokenDef['role'], sha256: adminTokenHash(token) }));

async function call(admin: ProcessAdmin, method: 'GET' | 'POST', path: string, token?: string) {
  const res = await fetch(`${admin.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: String(res.headers.get('content-type')), body: (await res.json()) as Record<string, unknown> };
}

describe('launcher process API (setgate node)', () => {
  const supervisor = new Supervisor();
  let admin: ProcessAdmin;
  const restarted: number[] = [];

  before(async () => {
    await supervisor.start({ name: 'node-a', entry: READY_CHILD, args: ['node-a'] });
    const stack = { supervisor, restart: async (id: string) => void (await supervisor.restart(id)) };
    admin = await startProcessAdmin(stack, { tokens, onRestarted: (c) => restarted.push(c.pid) });
  });
  after(async () => {
    await admin.close();
    await supervisor.stopAll();
  });

  it('lists processes to a viewer and refuses callers without a known token, as problems', async () => {
    const listed = await call(admin, 'GET', '/v1/processes', TOKENS.viewer);
    assert.equal(listed.status, 200);
    const [p] = (listed.body as unknown as ProcessesAnswer).processes;
    assert.equal(p?.id, 'node-a');
    assert.equal(p?.state, 'running');
    assert.equal(p?.kind, 'gateway');
    for (const token of [undefined, 'not-a-token']) {
      const refused = await call(admin, 'GET', '/v1/processes', token);
      assert.equal(refused.status, 401);
      assert.match(refused.type, /application\/problem\+json/);
      assert.equal(refused.body.code, 'SETGATE_LAUNCHER_UNAUTHENTICATED');
      assert.ok(!JSON.stringify(refused.body).includes(TOKENS.viewer));
    }
  });

  it('restarts only for an operator, only a known process, only by POST', async () => {
    assert.equal((await call(admin, 'POST', '/v1/processes/node-a/restart', TOKENS.viewer)).body.code, 'SETGATE_LAUNCHER_FORBIDDEN');
    assert.equal((await call(admin, 'POST', '/v1/processes/nope/restart', TOKENS.operator)).status, 404);
    assert.equal((await call(admin, 'GET', '/v1/processes/node-a/restart', TOKENS.operator)).status, 405);
    assert.equal((await call(admin, 'GET', `/v1/${'x'.repeat(600)}`, TOKENS.operator)).status, 404);
  });

  it('shows a killed process as exited with its signal, and starts it again with a new pid', async () => {
    const old = supervisor.get('node-a');
    assert.ok(old);
    old.kill('SIGKILL');
    await old.exited;
    const [dead] = ((await call(admin, 'GET', '/v1/processes', TOKENS.viewer)).body as unknown as ProcessesAnswer).processes;
    assert.equal(dead?.state, 'exited');
    assert.deepEqual(dead?.exit, { code: null, signal: 'SIGKILL' });

    // Two restarts at once: one runs, the other is told so.
    const [a, b] = await Promise.all([
      call(admin, 'POST', '/v1/processes/node-a/restart', TOKENS.operator),
      call(admin, 'POST', '/v1/processes/node-a/restart', TOKENS.operator),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const done = (a.status === 200 ? a : b).body as unknown as RestartAnswer;
    assert.equal(done.process.state, 'running');
    assert.equal(done.process.restarts, 1);
    assert.notEqual(done.process.pid, old.pid);
    assert.deepEqual(restarted, [done.process.pid]);
  });
});
