import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { DEFAULT_LIMITS } from '@setgate/service-kit';
import { answerAsGateway, type GatewayStub, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import { type RunningProxy, STEADY_HEALTH, startProxy, testRoutes, usEastGateways, withPolicy } from './helpers/proxy-harness.js';

const EDGE = '127.0.0.2';

/** A raw connection from `localAddress`; `answer` resolves with what the proxy wrote until it closed. */
function rawClient(port: number, localAddress: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => {});
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (c) => {
      text += c.toString('latin1');
    });
    socket.on('close', () => resolve(text));
  });
  return { socket, answer };
}

describe('regional proxy fairness: per-client caps, body data rate, trusted-edge X-Forwarded-For', () => {
  let gateway: GatewayStub;
  let proxy: RunningProxy;
  let port = 0;
  /** Answers held back by the stub until a test releases them. */
  const held: (() => void)[] = [];
  let hold = false;

  before(async () => {
    const answer = answerAsGateway('us-east-gw-1');
    gateway = await startGatewayStub('us-east-gw-1', (req, res, body) => {
      if (hold) held.push(() => answer(req, res, body));
      else answer(req, res, body);
    });
    proxy = await startProxy(usEastGateways([gateway]), {
      routes: testRoutes(
        withPolicy({
          health: STEADY_HEALTH,
          trustedEdges: [`${EDGE}/32`],
          fairness: { maxInFlightPerClient: 2, maxConnectionsPerAddress: 4 },
        }),
      ),
      limits: { ...DEFAULT_LIMITS, bodyGraceMs: 200, bodyMinBytesPerSec: 1000 },
    });
    port = Number(new URL(proxy.url).port);
  });
  after(async () => {
    for (const release of held) release();
    await proxy.close();
    await gateway.close();
  });

  it('refuses a client past its in-flight cap with 429 problem+json and Retry-After; others are still served', async () => {
    hold = true;
    const first = proxy.send('/v1/cart');
    const second = proxy.send('/v1/cart');
    while (held.length < 2) await new Promise((r) => setTimeout(r, 10));
    const third = await proxy.send('/v1/cart');
    const problem = await expectProblem(third, 429, 'SETGATE_CLIENT_BUSY');
    assert.match(problem.detail ?? '', /At most 2 requests/);
    assert.equal(third.headers['retry-after'], '1');
    // Another client (a trusted edge forwarding for someone else) is not held by this one's cap.
    hold = false;
    const other = rawClient(port, EDGE);
    other.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nx-forwarded-for: 198.51.100.4\r\nconnection: close\r\n\r\n');
    assert.match(await other.answer, /^HTTP\/1\.1 200/);
    for (const release of held.splice(0)) release();
    assert.equal((await first).statusCode, 200);
    assert.equal((await second).statusCode, 200);
    await (await first).body.dump();
    await (await second).body.dump();
    const after = await proxy.send('/v1/cart');
    assert.equal(after.statusCode, 200, 'slots are given back when the answers close');
    await after.body.dump();
  });

  it('answers a connection past the per-address cap with 429 problem+json and closes it', async () => {
    const open = Array.from({ length: 4 }, () => rawClient(port, '127.0.0.3'));
    await Promise.all(open.map((c) => new Promise((r) => c.socket.once('connect', r))));
    // Accepting is asynchronous: let the proxy count the four before the fifth arrives.
    await new Promise((r) => setTimeout(r, 100));
    const fifth = rawClient(port, '127.0.0.3');
    const text = await fifth.answer;
    assert.match(text, /^HTTP\/1\.1 429 /);
    assert.match(text, new RegExp(`content-type: ${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`, 'i'));
    assert.match(text, /SETGATE_CLIENT_BUSY/);
    // Another address is not affected, and a closed connection gives its place back.
    const neighbour = rawClient(port, '127.0.0.4');
    neighbour.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(await neighbour.answer, /^HTTP\/1\.1 200/);
    for (const c of open) c.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = rawClient(port, '127.0.0.3');
    again.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(await again.answer, /^HTTP\/1\.1 200/);
  });

  it('cuts a body that trickles below the minimum rate with 408 problem+json, not counted against the gateway', async () => {
    const receivedBefore = gateway.received.length;
    const started = performance.now();
    const slow = rawClient(port, '127.0.0.5');
    slow.socket.write('POST /v1/cart/items HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{');
    const timer = setInterval(() => slow.socket.writable && slow.socket.write(' '), 300);
    const text = await slow.answer;
    clearInterval(timer);
    assert.match(text, /^HTTP\/1\.1 408 /, text);
    assert.match(text, /SETGATE_BODY_TOO_SLOW/);
    assert.ok(performance.now() - started < 5000, 'cut within a few sweeps of the grace period');
    // The gateway was not blamed: no failed request on its record, and a normal upload right after goes through.
    const status = proxy.app.regionalProxy.status();
    const gw = status.regions.find((r) => r.region === 'us-east')?.gateways[0];
    assert.equal(gw?.consecutiveRequestFailures, 0);
    assert.equal(gw?.state, 'healthy');
    const ok = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"a"}', headers: { 'content-type': 'application/json' } });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    assert.ok(gateway.received.length > receivedBefore);
  });

  it('closes the connection of a refused request whose body keeps trickling, without waiting for the request timeout', async () => {
    // Two requests of 127.0.0.7 held by the gateway fill its in-flight cap; its third, an upload, is refused at once.
    hold = true;
    const busy = [rawClient(port, '127.0.0.7'), rawClient(port, '127.0.0.7')];
    for (const c of busy) c.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    while (held.length < 2) await new Promise((r) => setTimeout(r, 10));
    const slow = rawClient(port, '127.0.0.7');
    slow.socket.write('POST /v1/cart/items HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{');
    // Node reads the rest of a refused body only to drop it; trickled, only the body rate ends it.
    const timer = setInterval(() => slow.socket.writable && slow.socket.write(' '), 300);
    const text = await slow.answer;
    clearInterval(timer);
    hold = false;
    for (const release of held.splice(0)) release();
    for (const c of busy) assert.match(await c.answer, /^HTTP\/1\.1 200/);
    assert.match(text, /^HTTP\/1\.1 429 /, text);
    // The request timeout would have written a 408 after the 429; the body rate closes the connection with no second answer.
    assert.equal(text.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, text);
    assert.equal(proxy.app.regionalProxy.status().regions.find((r) => r.region === 'us-east')?.gateways[0]?.consecutiveRequestFailures, 0);
  });

  it("keeps a trusted edge's X-Forwarded-For (appending the edge) and replaces anyone else's", async () => {
    const edge = rawClient(port, EDGE);
    edge.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nx-forwarded-for: 203.0.113.9\r\nconnection: close\r\n\r\n');
    await edge.answer;
    assert.equal(gateway.received.at(-1)?.headers['x-forwarded-for'], `203.0.113.9, ${EDGE}`);
    const client = rawClient(port, '127.0.0.6');
    client.socket.write('GET /v1/cart HTTP/1.1\r\nhost: x\r\nx-forwarded-for: 203.0.113.9\r\nconnection: close\r\n\r\n');
    await client.answer;
    assert.equal(gateway.received.at(-1)?.headers['x-forwarded-for'], '127.0.0.6');
  });
});
