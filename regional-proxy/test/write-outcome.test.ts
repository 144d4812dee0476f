import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { createAdminServer } from '@setgate/service-kit';
import { deadGateway, type GatewayStub, type Responder, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import { gatewaysIn, type RunningProxy, startProxy, testTelemetry } from './helpers/proxy-harness.js';

/** Resets the connection (RST) once the whole write was read: the gateway may have applied it. */
const RESET_AFTER_BODY: Responder = (_req, res) => res.socket?.resetAndDestroy();
/** Closes the connection (FIN) once the whole write was read, without an answer. */
const CLOSE_AFTER_BODY: Responder = (_req, res) => res.socket?.destroy();
/** Reads the write and never answers. */
const NEVER_ANSWER: Responder = () => {};

/** A gateway's own answer for a write it could not confirm: the proxy must hand it on byte for byte. */
const GATEWAY_PROBLEM = JSON.stringify({
  type: 'https://setgate.dev/problems/SETGATE_GW_WRITE_OUTCOME_UNKNOWN',
  title: 'Write outcome unknown; it may have been applied',
  status: 502,
  code: 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN',
  detail: 'The write to shard 7 may have been applied.',
  instance: 'gw-req-1',
});

/** Consecutive failed requests the proxy charged to a gateway (its passive health). */
function charged(proxy: RunningProxy, gateway: string): number {
  for (const region of proxy.app.regionalProxy.status().regions) {
    const g = region.gateways.find((x) => x.id === gateway);
    if (g) return g.consecutiveRequestFailures;
  }
  throw new Error(`no gateway ${gateway}`);
}

/** Requests a stub gateway saw, health probes aside. */
const seen = (...stubs: GatewayStub[]) => stubs.reduce((n, s) => n + s.received.length, 0);

/** The proxy's error counter by code: it moves once a failed request's handler is done. */
async function errorsCounted(): Promise<Map<string, number>> {
  const admin = createAdminServer({ telemetry: testTelemetry(), status: () => ({}) });
  try {
    const text = (await admin.inject({ url: '/metrics' })).body;
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('setgate_regional_proxy_errors_total{')) continue;
      const code = /setgate_error_code="([A-Z_]+)"/.exec(line)?.[1] ?? '';
      counts.set(code, (counts.get(code) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return counts;
  } finally {
    await admin.close();
  }
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

describe('writes whose outcome the proxy cannot know', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });
  const stub = async (id: string, respond?: Responder) => {
    const s = await startGatewayStub(id, respond);
    closers.push(s.close);
    return s;
  };
  /** Steady health (the harness default): passive failures are counted but never flip a gateway out mid-test. */
  const proxyWith = async (...args: Parameters<typeof startProxy>) => {
    const p = await startProxy(...args);
    closers.push(p.close);
    return p;
  };

  for (const [how, respond] of [
    ['resets', RESET_AFTER_BODY],
    ['closes', CLOSE_AFTER_BODY],
  ] as const) {
    it(`answers 502 SETGATE_RP_WRITE_OUTCOME_UNKNOWN when the gateway ${how} the connection after reading an unkeyed write, and sends it nowhere else`, async () => {
      const dropping = await stub('us-east-gw-1', respond);
      const other = await stub('eu-west-gw-1');
      const proxy = await proxyWith([...gatewaysIn('us-east', [dropping]), ...gatewaysIn('eu-west', [other])]);
      const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"a"}' });
      const problem = await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
      assert.match(String(problem.detail), /may have been applied/);
      assert.match(String(problem.detail), /idempotency-key/);
      assert.equal(problem.mayHaveBeenApplied, true);
      assert.equal(problem.idempotencyKey, false);
      assert.equal(res.headers['retry-after'], undefined, 'no invitation to resend blindly');
      assert.equal(dropping.received.length, 1, 'the write reached the gateway whole');
      assert.equal(seen(other), 0, 'not repeated in another region');
      assert.equal(charged(proxy, 'us-east-gw-1'), 1, 'the gateway dropped the connection: its fault');
    });
  }

  it('answers outcome unknown for a keyed write whose body was already streamed, telling the client to resend with the same key', async () => {
    const dropping = await stub('us-east-gw-1', RESET_AFTER_BODY);
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [dropping]), ...gatewaysIn('eu-west', [other])]);
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"b"}', headers: { 'idempotency-key': 'k-b' } });
    const problem = await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
    assert.equal(problem.idempotencyKey, true);
    assert.match(String(problem.detail), /same idempotency-key/);
    assert.equal(seen(other), 0, 'the body was consumed by the first attempt: nothing to resend');
  });

  it('retries a keyed write without a body in another region after a reset: the key makes the resend safe', async () => {
    const dropping = await stub('us-east-gw-1', RESET_AFTER_BODY);
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [dropping]), ...gatewaysIn('eu-west', [other])]);
    const res = await proxy.send('/v1/cart/items/sku-c', { method: 'DELETE', headers: { 'idempotency-key': 'k-c' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-setgate-region'], 'eu-west');
    assert.deepEqual(await res.body.json(), { gateway: 'eu-west-gw-1', bytes: 0 });
    assert.equal(dropping.received.length, 1);
    assert.deepEqual(
      other.received.map((r) => r.headers['idempotency-key']),
      ['k-c'],
    );
    assert.equal(charged(proxy, 'us-east-gw-1'), 1);
  });

  it('does not retry an unkeyed write without a body after a reset', async () => {
    const dropping = await stub('us-east-gw-1', RESET_AFTER_BODY);
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [dropping]), ...gatewaysIn('eu-west', [other])]);
    const res = await proxy.send('/v1/cart/items/sku-d', { method: 'DELETE' });
    await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
    assert.equal(seen(other), 0);
  });

  it('keeps "outcome unknown" when a keyed retry after a reset is then refused: the first attempt may have applied it', async () => {
    const dropping = await stub('us-east-gw-1', RESET_AFTER_BODY);
    const proxy = await proxyWith([...gatewaysIn('us-east', [dropping]), ...gatewaysIn('eu-west', [await deadGateway()])]);
    const res = await proxy.send('/v1/cart/items/sku-e', { method: 'DELETE', headers: { 'idempotency-key': 'k-e' } });
    await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
    assert.equal(dropping.received.length, 1);
    assert.equal(charged(proxy, 'us-east-gw-1'), 1);
    assert.equal(charged(proxy, 'eu-west-gw-1'), 1);
  });

  it('answers 502 outcome unknown (not 504) for a write the gateway never answers, and does not retry it', async () => {
    const silent = await stub('us-east-gw-1', NEVER_ANSWER);
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [silent]), ...gatewaysIn('eu-west', [other])], {
      upstreamTimeoutMs: 300,
    });
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"f"}', headers: { 'idempotency-key': 'k-f' } });
    const problem = await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
    assert.match(String(problem.detail), /300 ms/);
    assert.equal(silent.received.length, 1);
    assert.equal(seen(other), 0, 'a timed-out write is never resent: the gateway may still be applying it');
    assert.equal(charged(proxy, 'us-east-gw-1'), 1, 'no answer in time is the gateway’s fault');
  });

  it('retries an unkeyed write refused by its gateway in another region: it certainly never reached the first', async () => {
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [await deadGateway()]), ...gatewaysIn('eu-west', [other])]);
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"g"}' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { gateway: 'eu-west-gw-1', bytes: 11 });
    assert.deepEqual(
      other.received.map((r) => r.body.toString()),
      ['{"sku":"g"}'],
    );
    assert.equal(charged(proxy, 'us-east-gw-1'), 1, 'a refused connection is the gateway’s fault');
  });

  it('answers 503 SETGATE_RP_GATEWAYS_UNAVAILABLE, "not applied", only when no attempt could have reached a gateway', async () => {
    const proxy = await proxyWith([
      ...gatewaysIn('us-east', [await deadGateway()]),
      ...gatewaysIn('eu-west', [await deadGateway()]),
    ]);
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"h"}' });
    const problem = await expectProblem(res, 503, 'SETGATE_RP_GATEWAYS_UNAVAILABLE');
    assert.match(String(problem.detail), /not applied/);
    assert.equal(res.headers['retry-after'], '1');
  });

  it('answers outcome unknown when a write refused by one gateway is then reset by the next', async () => {
    const dropping = await stub('eu-west-gw-1', RESET_AFTER_BODY);
    const proxy = await proxyWith([...gatewaysIn('us-east', [await deadGateway()]), ...gatewaysIn('eu-west', [dropping])]);
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"i"}' });
    await expectProblem(res, 502, 'SETGATE_RP_WRITE_OUTCOME_UNKNOWN');
    assert.equal(dropping.received.length, 1);
  });

  it('passes a gateway’s own 502 SETGATE_GW_WRITE_OUTCOME_UNKNOWN through unchanged, without retrying or charging it', async () => {
    const answering = await stub('us-east-gw-1', (_req, res) => {
      res.writeHead(502, { 'content-type': 'application/problem+json', 'x-request-id': 'gw-req-1' });
      res.end(GATEWAY_PROBLEM);
    });
    const other = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [answering]), ...gatewaysIn('eu-west', [other])]);
    const res = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"j"}', headers: { 'idempotency-key': 'k-j' } });
    assert.equal(res.statusCode, 502);
    assert.equal(String(res.headers['content-type']), 'application/problem+json');
    assert.equal(await res.body.text(), GATEWAY_PROBLEM);
    assert.equal(seen(other), 0);
    assert.equal(charged(proxy, 'us-east-gw-1'), 0, 'the gateway answered: it is healthy');
  });

  it('does not charge the gateway when the client aborts its upload mid-body', async () => {
    // A gateway that signals when a forwarded request starts; its body never completes.
    let started: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      started = resolve;
    });
    const gateway = createServer((req: IncomingMessage, res) => {
      if (req.url === '/_setgate/health') return void res.end('{"status":"ok"}');
      req.once('data', () => started());
      req.resume();
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          gateway.closeAllConnections();
          gateway.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const proxy = await proxyWith(gatewaysIn('us-east', [{ url, healthUrl: `${url}/_setgate/health` }]));

    const errorsBefore = await errorsCounted();
    const abortedBefore = errorsBefore.get('SETGATE_RP_CLIENT_ABORTED') ?? 0;
    const { port } = new URL(proxy.url);
    const client = connect(Number(port), '127.0.0.1');
    client.on('error', () => {});
    client.write('POST /v1/cart/items HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n');
    client.write('{"sku":"partial-upload",');
    await reached;
    client.resetAndDestroy();
    // The handler counts its error after the attempt's outcome was fed to health.
    let errorsAfter = await errorsCounted();
    while (total(errorsAfter) === total(errorsBefore)) {
      await sleep(10);
      errorsAfter = await errorsCounted();
    }
    assert.equal(charged(proxy, 'us-east-gw-1'), 0, 'the client gave up, not the gateway');
    assert.equal(errorsAfter.get('SETGATE_RP_CLIENT_ABORTED'), abortedBefore + 1, 'counted as the client’s fault');
  });
});
