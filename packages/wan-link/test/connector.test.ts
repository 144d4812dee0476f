import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { wanConnector } from '../src/connector.js';
import type { WanRelay } from '../src/relay.js';
import { parseWanRoutes } from '../src/routes.js';
import { EARLY_MS } from '../src/pipe.js';
import { farServer, type FarServer } from './helpers.js';
import { WanRelay as Relay } from '../src/relay.js';

describe('wanConnector: an undici dispatcher through the relay', () => {
  let http: Server;
  let port: number;
  let relay: WanRelay;
  let agent: Agent;
  let unused: FarServer;
  before(async () => {
    http = createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host })));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    port = (http.address() as AddressInfo).port;
    unused = await farServer();
    relay = new Relay({
      regions: ['a', 'b'],
      rttMs: { a: { b: 60 }, b: { a: 60 } },
      targets: [{ name: 'http', region: 'b', host: '127.0.0.1', port }],
    });
    await relay.start();
    const routes = parseWanRoutes(JSON.stringify(relay.routes().a));
    assert.ok(routes);
    agent = new Agent({ connect: wanConnector(routes, { timeoutMs: 10_000 }) });
  });
  after(async () => {
    await agent.close();
    await relay.stop();
    http.closeAllConnections();
    http.close();
    await unused.close();
  });

  it('reaches the target through the relay: its Host header unchanged, the delay paid', async () => {
    const started = performance.now();
    const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
    const body = (await res.body.json()) as { host: string };
    const ms = performance.now() - started;
    assert.equal(body.host, `127.0.0.1:${port}`);
    // A fresh connection: one RTT to connect, one for the request.
    assert.ok(ms >= 120 - 4 * EARLY_MS, `the first request took ${ms.toFixed(1)} ms, less than two 60 ms RTTs`);
    assert.ok(relay.status().traffic.bytes > 0);
  });

  it('leaves targets outside the map alone', async () => {
    const res = await request(`http://127.0.0.1:${unused.port}/`, { dispatcher: agent, headersTimeout: 200 }).catch((e: unknown) => e);
    // The far server speaks no HTTP; what matters is that the relay saw no new connection.
    void res;
    assert.equal(relay.status().connections.accepted, 1);
  });

  it('a refusing partition gives ECONNREFUSED (never sent), a holding one a connect timeout', async () => {
    await agent.close();
    const routes = parseWanRoutes(JSON.stringify(relay.routes().a));
    assert.ok(routes);
    agent = new Agent({ connect: wanConnector(routes, { timeoutMs: 300 }) });
    relay.partition({ a: 'a', b: 'b' }, 'refuse');
    await assert.rejects(request(`http://127.0.0.1:${port}/`, { dispatcher: agent }), (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED');
    relay.heal();
    relay.partition({ a: 'a', b: 'b' }, 'hold');
    await assert.rejects(request(`http://127.0.0.1:${port}/`, { dispatcher: agent }), (e: unknown) => (e as { code?: string }).code === 'UND_ERR_CONNECT_TIMEOUT');
    relay.heal();
    const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });
});
