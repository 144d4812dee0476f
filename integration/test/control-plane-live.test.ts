import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { TopologyView } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack, until } from './harness.js';

/**
 * The control plane steering the whole path (regional proxies, gateways,
 * nodes) while traffic flows: hot reload under write load with zero failed
 * requests, and draining a region.
 */
describe('control plane under live traffic', () => {
  let stack: TestStack;
  let api: string;

  async function admin<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
    const role = method === 'GET' ? 'viewer' : 'operator';
    const res = await request(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKENS[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async function adminStatusVersion(adminUrl: string): Promise<number> {
    const res = await request(`${adminUrl}/status`);
    return ((await res.body.json()) as { configVersion: number }).configVersion;
  }


  /** Every component of the topology (not the control plane) reports `version`. */
  async function everyoneAt(version: number): Promise<void> {
    for (const i of stack.view.allInstances()) {
      await until(`${i.id} at version ${version}`, async () => (await adminStatusVersion(i.adminUrl)) >= version);
    }
  }

  before(async () => {
    stack = await startTestStack();
    assert.ok(stack.controlPlaneUrl);
    api = stack.controlPlaneUrl;
  });
  after(() => stack?.close());

  it('applies a valid change under write load with zero failed requests, and refuses an invalid one', async (t) => {
    const users = ['live-1', 'live-2', 'live-3', 'live-4'];
    const tokens = await Promise.all(users.map((u) => stack.token(u)));
    const outcomes = { ok: 0, failed: [] as string[] };
    let stop = false;
    const writers = tokens.map(async (token, w) => {
      for (let i = 0; !stop && i < 2000; i++) {
        const res = await request(`${stack.entry(['us-east', 'eu-west'][w % 2] as string)}/v1/cart/items`, {
          method: 'POST',
          body: JSON.stringify({ sku: `sku-${i % 50}`, qty: 1, priceCents: 100 }),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `live-${w}-${i}` },
        });
        const text = await res.body.text();
        if (res.statusCode < 300) outcomes.ok++;
        else outcomes.failed.push(`${res.statusCode} ${text.slice(0, 160)}`);
      }
    });
    t.after(async () => {
      stop = true;
      await Promise.allSettled(writers);
    });
    await new Promise((r) => setTimeout(r, 500));

    const cur = await admin<{ version: number; document: { commands: Array<{ name: string; timeoutMs: number }> } }>('GET', '/v1/config');
    const doc = structuredClone(cur.body.document);
    for (const c of doc.commands) c.timeoutMs += 500;
    const applied = await admin<{ version: number }>('POST', '/v1/config/apply', {
      document: doc,
      baseVersion: cur.body.version,
      reason: 'longer timeouts under load',
    });
    assert.equal(applied.status, 201, JSON.stringify(applied.body));
    await everyoneAt(applied.body.version);

    // Two semantic mistakes: a dangling leader set and an RTT matrix missing pairs.
    const broken = structuredClone(doc) as unknown as { placements: Array<{ leader: string }>; rtt: unknown[] };
    (broken.placements[3] as { leader: string }).leader = 'nowhere-a';
    broken.rtt = broken.rtt.slice(0, 1);
    const refused = await admin<{ problems: Array<{ path: string; message: string }> }>('POST', '/v1/config/apply', {
      document: broken,
      baseVersion: applied.body.version,
      reason: 'broken on purpose',
    });
    assert.ok(refused.status >= 400 && refused.status < 500, String(refused.status));
    const paths = refused.body.problems.map((p) => p.path);
    assert.ok(paths.includes('/placements/3/leader') && paths.includes('/rtt'), JSON.stringify(refused.body.problems));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(writers);
    t.diagnostic(`writes ok ${outcomes.ok}, failed ${outcomes.failed.length}`);
    assert.deepEqual(outcomes.failed, []);
    assert.ok(outcomes.ok > 0);
    assert.equal((await admin<{ version: number }>('GET', '/v1/config')).body.version, applied.body.version);
    for (const i of stack.view.allInstances()) assert.equal(await adminStatusVersion(i.adminUrl), applied.body.version);
  });

  it('drains eu-west: its leaders move and its users go to the next nearest region; undrain brings them back', async () => {
    const token = await stack.token('drain-user');
    const servedBy = async () => {
      const res = await request(`${stack.entry('eu-west')}/v1/cart`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      assert.equal(res.statusCode, 200);
      return res.headers['x-setgate-region'];
    };
    assert.equal(await servedBy(), 'eu-west');

    const started = await admin<{ id: string }>('POST', '/v1/ops/drain', { target: 'region', name: 'eu-west', reason: 'drain test' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    let op: { state: string } = { state: 'running' };
    await until('the drain to finish', async () => {
      op = (await admin<{ state: string }>('GET', `/v1/ops/operations/${started.body.id}`)).body;
      return op.state !== 'running';
    }, 60000);
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const drained = await admin<{ version: number; document: unknown }>('GET', '/v1/config');
    const view = new TopologyView(drained.body.document as never);
    for (let s = 0; s < view.shardCount; s++) assert.notEqual(view.writePoint(s).region, 'eu-west', `shard ${s} still led in eu-west`);
    await everyoneAt(drained.body.version);
    // eu-west's nearest region by RTT is us-east (75 ms, against 120 to ap-south).
    assert.equal(await servedBy(), 'us-east');

    const undrained = await admin<{ version: number }>('POST', '/v1/ops/undrain', { target: 'region', name: 'eu-west', reason: 'drain test over' });
    assert.equal(undrained.status, 201, JSON.stringify(undrained.body));
    await everyoneAt(undrained.body.version);
    assert.equal(await servedBy(), 'eu-west');
  });
});
