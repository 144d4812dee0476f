import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { WanAdminClient, WanAdminError } from '../src/admin-client.js';
import { createAdminServer } from '../src/admin-server.js';
import type { WanRelay } from '../src/relay.js';
import { type FarServer, farServer, relayTo } from './helpers.js';

const TOKEN = 'wan-admin-test-token-0001';

describe('WAN relay admin endpoint', () => {
  let far: FarServer;
  let relay: WanRelay;
  let url: string;
  let server: ReturnType<typeof createAdminServer>;
  before(async () => {
    far = await farServer();
    ({ relay } = await relayTo(far, 40));
    server = createAdminServer(relay, TOKEN);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await relay.stop();
    await far.close();
  });

  it('refuses every state and fault route without the internal token (401 problem+json)', async () => {
    for (const [method, path] of [
      ['GET', '/status'],
      ['GET', '/routes'],
      ['POST', '/partition'],
      ['POST', '/heal'],
    ] as const) {
      const res = await request(`${url}${path}`, { method, headers: { authorization: 'Bearer wrong-token' } });
      const body = (await res.body.json()) as { code: string };
      assert.equal(res.statusCode, 401, `${method} ${path}`);
      assert.equal(res.headers['content-type'], 'application/problem+json');
      assert.equal(body.code, 'SETGATE_WAN_UNAUTHENTICATED');
    }
    await assert.rejects(new WanAdminClient(url, undefined).status(), (e: unknown) => e instanceof WanAdminError && e.status === 401);
    assert.deepEqual(relay.faults.list(), [], 'an unauthenticated call changed the faults');
  });

  it('sets and heals faults with the token, and says what is wrong with a bad request', async () => {
    const client = new WanAdminClient(url, TOKEN);
    const cut = await client.partition('a', 'b', { oneWay: true, mode: 'refuse' });
    assert.deepEqual(cut.faults, [{ from: 'a', to: 'b', partition: 'refuse' }]);
    const slowed = await client.slow('a', 'b', { delayMs: 25, bandwidthKbps: 500 });
    assert.equal(slowed.faults.length, 2);
    const status = await client.status();
    assert.equal(status.directions.find((d) => d.from === 'b' && d.to === 'a')?.delayMs, 20 + 25);
    assert.equal(typeof status.cpu.userUs, 'number');
    assert.equal((await client.heal('a', 'b')).faults.length, 0);
    await assert.rejects(client.partition('a', 'mars'), (e: unknown) => e instanceof WanAdminError && e.status === 400 && e.problem.code === 'SETGATE_WAN_BAD_REQUEST');
    await assert.rejects(client.partition('a', 'b', { mode: 'drop' as 'hold' }), (e: unknown) => e instanceof WanAdminError && e.status === 400);
    const routes = await client.routes();
    assert.ok(routes.a?.[`127.0.0.1:${far.port}`], 'no route from a to the far server');
    assert.deepEqual(routes.b, {});
  });
});
