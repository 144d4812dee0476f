import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LoadedTopology, Topology } from '@setgate/config';
import { freePorts } from '@setgate/process-supervisor';
import { buildRoutingTable, RoutingTableRef } from '@setgate/topology';
import { bearer, controlPlaneFixture, type Fixture, TOKENS } from '../../../config/test/control-plane/fixture.js';
import { backoffDelay } from '../src/backoff.js';
import { ConfigWatcher, type WatchEvent } from '../src/config-watcher.js';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe('config watcher', () => {
  let f: Fixture;
  let url: string;
  before(async () => {
    f = await controlPlaneFixture({ watchTimeoutMs: 500 });
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  });
  after(() => f.close());

  it('swaps in each new version whole, refuses a bad one with its problems and keeps the last good', async () => {
    const ref = new RoutingTableRef(buildRoutingTable(f.seed));
    const events: WatchEvent[] = [];
    const w = new ConfigWatcher({
      url,
      token: TOKENS.viewer,
      version: 1,
      pollTimeoutMs: 300,
      build: buildRoutingTable,
      onUpdate: (table) => ref.swap(table),
      onEvent: (e) => events.push(e),
    }).start();
    try {
      const cur = (await f.app.inject({ url: '/v1/config', headers: bearer('viewer') })).json() as { version: number; document: Topology };
      const next = structuredClone(cur.document);
      next.commands.push({ ...(next.commands[0] as Topology['commands'][number]), name: 'profile.peek', path: '/v1/profile/peek' });
      const r = await f.app.inject({ method: 'POST', url: '/v1/config/apply', headers: bearer('operator'), payload: { document: next, baseVersion: cur.version, reason: 'add peek' } });
      assert.equal(r.statusCode, 201);
      await until(() => ref.current.version === 2, 'version 2');
      assert.equal(ref.current.match('GET', '/v1/profile/peek')?.command.def.name, 'profile.peek');

      // A version this component cannot accept (written by a newer control plane, say): refused, version 2 stays.
      const bad = { ...structuredClone(next), version: 3, sets: [] } as unknown as Topology;
      await f.service.store.append({ version: 3, author: 't', reason: 'bad', time: '', action: { kind: 'apply' }, changes: [], document: bad });
      await until(() => events.some((e) => e.kind === 'refused'), 'a refusal');
      const refused = events.find((e) => e.kind === 'refused');
      assert.ok(refused?.kind === 'refused' && refused.problems.some((p) => p.path === '/sets'));
      assert.equal(ref.current.version, 2);
      assert.equal(w.version, 3, 'the watch moves past the bad version instead of spinning on it');
    } finally {
      await w.stop();
    }
  });

  it('keeps the last good version and retries with growing backoff while the control plane is away', async () => {
    const [port] = await freePorts(1);
    const events: WatchEvent[] = [];
    let updates = 0;
    const w = new ConfigWatcher<LoadedTopology>({
      url: `http://127.0.0.1:${port}`,
      token: TOKENS.viewer,
      version: 7,
      backoff: { baseMs: 5, maxMs: 40 },
      build: (t) => t,
      onUpdate: () => {
        updates += 1;
      },
      onEvent: (e) => events.push(e),
    }).start();
    await until(() => events.length >= 5, 'five reconnect attempts');
    await w.stop();
    assert.equal(updates, 0);
    assert.equal(w.version, 7);
    assert.ok(events.every((e) => e.kind === 'disconnected'));
    assert.ok(backoffDelay(10, { baseMs: 5, maxMs: 40 }) <= 40 && backoffDelay(0, { baseMs: 5, maxMs: 40 }, () => 0) === 3);
  });
});

describe('config watcher: what an answer says about the lease', () => {
  it('reads granted, revoked and withheld as such, an unknown value as withheld (it renews nothing), and no header as no word; after a withheld answer it asks again at once', async () => {
    const { createServer } = await import('node:http');
    const said = ['granted', 'withheld', 'revoked', 'lease-2099', undefined];
    let n = 0;
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(new URL(req.url ?? '/', 'http://x').searchParams.get('timeoutMs') ?? '');
      const value = said[Math.min(n++, said.length - 1)];
      if (value !== undefined) res.setHeader('x-setgate-lease', value);
      res.statusCode = req.url?.startsWith('/v1/config/watch') ? 204 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const events: WatchEvent[] = [];
    const w = new ConfigWatcher<LoadedTopology>({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: TOKENS.viewer,
      version: 1,
      node: 'node-1',
      pollTimeoutMs: 300, // the server answers at once anyway; what matters is what each poll asks for
      build: (t) => t,
      onUpdate: () => {},
      onEvent: (e) => events.push(e),
    }).start();
    try {
      await until(() => events.filter((e) => e.kind === 'current').length >= said.length, 'an answer per header value');
    } finally {
      await w.stop();
      server.close();
    }
    const leases = events.flatMap((e) => (e.kind === 'current' ? [e.lease ?? 'none'] : [])).slice(0, said.length);
    assert.deepEqual(leases, ['granted', 'withheld', 'revoked', 'withheld', 'none']);
    // Polls 1-5 answered granted, withheld, revoked, unknown, none: the 3rd and the 5th follow a withheld answer.
    assert.deepEqual(asked.slice(0, 5), ['300', '300', '0', '300', '0']);
  });
});
