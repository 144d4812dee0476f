import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { gatewaysIn, type RunningProxy, startProxy, testRoutes, withPolicy } from './helpers/proxy-harness.js';

/** Passive detection that would trip on the second charged failure. */
const TRIP_ON_TWO = { intervalMs: 60_000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 1000, passiveFailures: 2 };

/** The gateway's passive health as the proxy's /status shows it. */
function healthOf(proxy: RunningProxy, gateway: string): { state: string; failures: number } {
  for (const region of proxy.app.regionalProxy.status().regions) {
    const g = region.gateways.find((x) => x.id === gateway);
    if (g) return { state: g.state, failures: g.consecutiveRequestFailures };
  }
  throw new Error(`no gateway ${gateway}`);
}

/**
 * A gateway that gives up on an upload once part of it arrived, the way a
 * body-read deadline does: `cut` ends the connection (FIN, RST, or a 408
 * answer). `whole` is called when it got a complete body instead.
 */
async function impatientGateway(cut: (req: IncomingMessage) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/_setgate/health') return void res.end('{"status":"ok"}');
    req.once('data', () => setTimeout(() => cut(req), 100));
    req.on('end', () => res.end('{"whole":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A client that sends a POST's headers and part of its announced body, then stalls; resolves with what came back. */
async function stalledUpload(proxyUrl: string): Promise<{ text: string; socket: Socket }> {
  const { port } = new URL(proxyUrl);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.write('POST /v1/cart/items HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"sku":"slow",');
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    text += d;
  });
  await new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  return { text, socket };
}

describe('client faults at the regional proxy are never charged to a gateway', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function proxyFor(gateway: { url: string; server: Server }): Promise<RunningProxy> {
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          gateway.server.closeAllConnections();
          gateway.server.close(() => resolve());
        }),
    );
    const proxy = await startProxy(gatewaysIn('us-east', [{ url: gateway.url, healthUrl: `${gateway.url}/_setgate/health` }]), {
      routes: testRoutes(withPolicy({ health: TRIP_ON_TWO })),
    });
    closers.push(() => proxy.close());
    return proxy;
  }

  for (const [how, cut] of [
    ['closes the connection', (req: IncomingMessage) => req.socket.destroy()],
    ['resets the connection', (req: IncomingMessage) => req.socket.resetAndDestroy()],
  ] as const) {
    it(`answers 408 and keeps the gateway healthy when a gateway ${how} on an upload the client stalls`, async () => {
      const proxy = await proxyFor(await impatientGateway(cut));
      for (let i = 0; i < 4; i++) {
        const { text } = await stalledUpload(proxy.url);
        assert.match(text, /^HTTP\/1\.1 408 /, text);
        assert.ok(text.toLowerCase().includes(`content-type: ${PROBLEM_CONTENT_TYPE}`), text);
        assert.ok(text.includes('"code":"SETGATE_RP_CLIENT_TIMEOUT"'), text);
      }
      assert.deepEqual(healthOf(proxy, 'us-east-gw-1'), { state: 'healthy', failures: 0 });
    });
  }

  it('still charges a gateway that fails while the whole body is in its hands', async () => {
    // The same gateway, but the client sends its body at once: the gateway, not the client, broke the exchange.
    const gateway = await impatientGateway((req) => req.socket.resetAndDestroy());
    const proxy = await proxyFor(gateway);
    gateway.server.removeAllListeners('request');
    gateway.server.on('request', (req: IncomingMessage) => {
      req.resume();
      req.on('end', () => req.socket.resetAndDestroy());
    });
    const res = await proxy.send('/v1/profile', { method: 'GET' });
    await res.body.dump();
    assert.equal(res.statusCode, 503);
    assert.equal(healthOf(proxy, 'us-east-gw-1').failures, 1);
  });
});
