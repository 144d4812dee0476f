import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';

/**
 * Issue 12, class 3 (client behaviour is charged to upstream health), on real
 * processes: us-east's proxy and both gateways, and the write-point of the
 * users' shard (cart reads are served by the write-point alone).
 *
 * - Clients that break off an upload mid-body (reset or FIN) or never finish
 *   it are the clients' fault: the proxy's gateways stay healthy with no
 *   request failure counted, and another user's reads keep succeeding.
 * - A validly signed token whose subject cannot be carried to a node (control
 *   characters, non-latin1, too long) is refused by the gateway with a 400
 *   problem before routing: no node is charged, ejected or retried.
 * - Malformed URLs (bad percent-encoding, an over-long segment) are answered
 *   with problem+json by every component, never fastify's own JSON.
 *
 * Passive detection is set to trip on 2 failures, so a single charged abort
 * pair would show; nothing here depends on timing windows.
 */
const HEALTH = { intervalMs: 250, timeoutMs: 2000, healthyThreshold: 2, unhealthyThreshold: 3, passiveFailures: 2 };
/** Clients per kind of misbehaviour. */
const ABUSERS = 6;
/** A generous bound on how long unfinished uploads take to be cut (the body rate's grace is 2 s). */
const CUT_WAIT_MS = 45_000;
/** A bounded request: longer is a hang. */
const REQUEST_BOUND_MS = 15_000;
const PROBLEM = 'application/problem+json';

interface GatewayHealthView {
  readonly id: string;
  readonly state: string;
  readonly consecutiveRequestFailures: number;
  readonly reason?: string;
}

interface ProxyStatus {
  readonly regions: ReadonlyArray<{ readonly region: string; readonly healthy: boolean; readonly gateways: readonly GatewayHealthView[] }>;
}

interface GatewayStatus {
  readonly upstream: {
    readonly nodes: ReadonlyArray<{ readonly node: string; readonly consecutiveFailures: number; readonly ejections: number }>;
    readonly retryBudget: number;
  };
}

/** A subject whose shard is led by `set`. */
function subjectOn(view: TopologyView, set: string, prefix: string): string {
  for (let i = 0; i < 10_000; i++) {
    const sub = `${prefix}-${i}`;
    if (view.writePoint(shardOf(sub, view.shardCount)).set === set) return sub;
  }
  throw new Error(`no subject found for set ${set}`);
}

/** Opens a raw connection to `url` and sends a POST's headers and the first part of its body. */
async function partialUpload(url: string, token: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST /v1/cart/items HTTP/1.1\r\nhost: setgate\r\nauthorization: Bearer ${token}\r\n` +
      'content-type: application/json\r\ncontent-length: 4096\r\n\r\n{"sku":"never-finished","qty":1,',
  );
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Waits (bounded) for the other side to close a socket the client has ended, then drops it. */
async function closedWithin(socket: Socket, ms: number): Promise<void> {
  await Promise.race([closed(socket), sleep(ms)]);
  socket.destroy();
}

/** How a client sends the body of an upload the gateway answers before reading it. */
type EarlyUpload = 'partial' | 'whole' | 'split';
/** The announced body of such an upload: within the body limit, large enough to be in flight when the answer comes. */
const EARLY_BODY_BYTES = 60_000;

/**
 * POSTs to a path that is no command, so the gateway answers 404 in its first stages, before it reads
 * the body, while the body is still coming: `partial` sends 1 KB of it and stops, `whole` sends all of
 * it at once, `split` sends half, then the rest on the next turn. Resolves with the answer's status
 * line and content type as the client saw them, or with what happened instead (closed, no answer).
 */
async function earlyAnswered(url: string, token: string, how: EarlyUpload, boundMs: number): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  let head = '';
  const answered = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve(`no answer in ${boundMs} ms`), boundMs);
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      clearTimeout(timer);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? `garbled: ${JSON.stringify(head.slice(0, 40))}`;
      const type = /\r\ncontent-type: ([^;\r]+)/i.exec(head.slice(0, end))?.[1] ?? 'no content type';
      resolve(`${status} ${type}`);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(head === '' ? 'closed without an answer' : `closed mid-answer: ${JSON.stringify(head.slice(0, 40))}`);
    });
  });
  socket.write(
    `POST /v1/no-such-command HTTP/1.1\r\nhost: setgate\r\nauthorization: Bearer ${token}\r\n` +
      `content-type: application/json\r\ncontent-length: ${EARLY_BODY_BYTES}\r\n\r\n`,
  );
  const body = Buffer.alloc(EARLY_BODY_BYTES, 0x20);
  if (how === 'partial') socket.write(body.subarray(0, 1024));
  else if (how === 'whole') socket.write(body);
  else {
    socket.write(body.subarray(0, EARLY_BODY_BYTES / 2));
    setImmediate(() => socket.write(body.subarray(EARLY_BODY_BYTES / 2)));
  }
  const outcome = await answered;
  socket.destroy();
  return outcome;
}

describe('security: client faults are never charged to upstream health (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const set = 'us-east-a';
  const goodUser = subjectOn(source, set, 'faults-good');
  const badUser = subjectOn(source, set, 'faults-bad');
  const writePoint = source.writePoint(shardOf(goodUser, source.shardCount)).id;
  let stack: TestStack;
  let client: Agent;

  before(async () => {
    stack = await startTestStack({
      only: (i) => (i.kind === 'set-runtime' ? i.id === writePoint : i.region === 'us-east'),
      readyTimeoutMs: 180_000,
      edit: (doc) => {
        doc.regionalProxy = { ...(doc.regionalProxy as Record<string, unknown>), health: HEALTH };
        // Nothing is killed here, and most nodes are not started: no failover may interfere.
        doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
        // An unfinished upload is cut by the listeners within seconds, not the default 10.
        doc.limits = { ...(doc.limits as Record<string, unknown>), requestTimeoutMs: 2000 };
        const gateway = doc.gateway as Record<string, unknown>;
        // Shedding is not under test: a busy 2-core machine must not shed the good user's reads.
        gateway.admission = { ...(gateway.admission as Record<string, unknown>), maxEventLoopDelayMs: 2000 };
      },
    });
    client = new Agent({ connections: 8, keepAliveTimeout: 2000 });
  });
  after(async () => {
    await client?.close();
    await stack?.close();
  });

  const adminUrl = (id: string) => stack.view.instance(id)?.adminUrl as string;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await request(url, { headers, dispatcher: client, headersTimeout: REQUEST_BOUND_MS, bodyTimeout: REQUEST_BOUND_MS });
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: await res.body.text() };
  };
  const proxyGateways = async (): Promise<readonly GatewayHealthView[]> => {
    const status = JSON.parse((await get(`${adminUrl('us-east-proxy-1')}/status`)).body) as ProxyStatus;
    return status.regions.find((r) => r.region === 'us-east')?.gateways ?? [];
  };
  const gatewayStatus = async (id: string): Promise<GatewayStatus> => JSON.parse((await get(`${adminUrl(id)}/status`)).body) as GatewayStatus;

  it('keeps the region healthy while clients abort or never finish their uploads, and serves other users meanwhile', { timeout: 300_000 }, async (t) => {
    const entry = stack.entry('us-east');
    const good = { authorization: `Bearer ${await stack.token(goodUser)}` };
    const badToken = await stack.token(badUser);
    const first = await get(`${entry}/v1/cart`, good);
    assert.equal(first.status, 200, first.body);

    // Every gateway state the test sees while clients misbehave, polled from the proxy's /status.
    const seen: GatewayHealthView[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        seen.push(...(await proxyGateways()));
        await sleep(50);
      }
    })();
    t.after(() => {
      watching = false;
    });

    process.stdout.write('# aborting uploads\n');
    // 1. Uploads reset mid-body, then uploads ended (FIN) mid-body: each only once the gateway is reading it.
    for (const end of ['reset', 'fin'] as const) {
      const sockets = await Promise.all(Array.from({ length: ABUSERS }, () => partialUpload(entry, badToken)));
      await sleep(300);
      for (const s of sockets) end === 'reset' ? s.resetAndDestroy() : s.end();
      await Promise.all(sockets.map((s) => closedWithin(s, 10_000)));
    }
    // 2. Uploads that never finish: a byte now and then keeps each connection from looking idle. The gateway
    //    refuses each (401) before its body; the rest is read only to be dropped, and falls behind the minimum
    //    body rate, so a listener closes the connection (the proxy's, or the gateway's with the proxy waiting on
    //    the client). Meanwhile the good user keeps reading through the same proxy. CUT_WAIT_MS bounds the wait.
    const dawdlers = await Promise.all(Array.from({ length: ABUSERS }, () => partialUpload(entry, badToken)));
    const trickle = setInterval(() => {
      for (const s of dawdlers) if (!s.destroyed) s.write(' ');
    }, 1000);
    let open = dawdlers.length;
    const trickleStart = performance.now();
    let lastCutMs = 0;
    for (const s of dawdlers)
      void closed(s).then(() => {
        open--;
        lastCutMs = performance.now() - trickleStart;
      });
    const goodStatuses: number[] = [];
    const deadline = performance.now() + CUT_WAIT_MS;
    try {
      while ((open > 0 || goodStatuses.length < 20) && performance.now() < deadline) {
        goodStatuses.push((await get(`${entry}/v1/cart`, good)).status);
        await sleep(100);
      }
    } finally {
      clearInterval(trickle);
    }
    process.stdout.write(`# ${dawdlers.length - open} of ${dawdlers.length} unfinished uploads were cut by a listener, the last after ${(lastCutMs / 1000).toFixed(1)} s; ${goodStatuses.length} good reads meanwhile\n`);
    const cut = dawdlers.length - open;
    for (const s of dawdlers) s.destroy();
    assert.equal(cut, dawdlers.length, `every unfinished upload was cut by a listener within ${CUT_WAIT_MS} ms`);
    // Whatever was in flight when the last upload ended has been counted by now.
    await sleep(1000);
    watching = false;
    await watcher;

    // Who ended the unfinished uploads: the proxy's deadline (ABORTED) or a gateway's (TIMEOUT, the proxy waiting on the client).
    const metrics = (await get(`${adminUrl('us-east-proxy-1')}/metrics`)).body;
    const clientCodes = metrics.split('\n').filter((l) => /^setgate_regional_proxy_errors_total\{.*SETGATE_RP_CLIENT_/.test(l));
    process.stdout.write(`# proxy errors by client fault: ${clientCodes.map((l) => `${/SETGATE_RP_CLIENT_[A-Z]+/.exec(l)?.[0]} ${l.slice(l.lastIndexOf(' ') + 1)}`).join(', ')}\n`);

    const charged = seen.filter((g) => g.state !== 'healthy' || g.consecutiveRequestFailures > 0);
    assert.deepEqual(
      charged.map((g) => `${g.id}: ${g.state}, ${g.consecutiveRequestFailures} failed requests (${g.reason ?? ''})`),
      [],
      'no gateway was charged for a client fault',
    );
    assert.ok(seen.length > 0);
    assert.ok(goodStatuses.length > 0);
    assert.deepEqual(
      goodStatuses.filter((s) => s !== 200),
      [],
      `the other user's ${goodStatuses.length} reads during the abuse all succeeded`,
    );
    const after = await get(`${entry}/v1/cart`, good);
    assert.equal(after.status, 200, after.body);
  });

  it('refuses a signed token whose subject cannot be carried to a node with 400, before routing, charging no node', { timeout: 300_000 }, async () => {
    const gateway = stack.url('us-east-gw-1');
    const before = await gatewayStatus('us-east-gw-1');
    const subjects = ['faults\u0001ctl', 'faults-\u03a9mega', `faults-${'x'.repeat(300)}`, 'faults\r\nx-setgate-tenant: evil'];
    for (const sub of subjects) {
      const auth = { authorization: `Bearer ${await stack.token(sub)}` };
      // Ten times each, straight at one gateway (more than ejectAfterFailures) and through the proxy.
      for (let i = 0; i < 10; i++) {
        for (const base of [gateway, stack.entry('us-east')]) {
          const res = await get(`${base}/v1/cart`, auth);
          assert.equal(res.status, 400, `${JSON.stringify(sub.slice(0, 20))} via ${base}: ${res.status} ${res.body}`);
          assert.ok(res.type.startsWith(PROBLEM), res.type);
          assert.equal((JSON.parse(res.body) as { code: string }).code, 'SETGATE_GW_INVALID_SUBJECT');
        }
      }
    }
    const status = await gatewayStatus('us-east-gw-1');
    assert.deepEqual(
      status.upstream.nodes.filter((n) => n.consecutiveFailures > 0 || n.ejections > 0),
      [],
      'no node was charged a failure or ejected',
    );
    assert.ok(status.upstream.retryBudget >= before.upstream.retryBudget, `retry budget ${before.upstream.retryBudget} → ${status.upstream.retryBudget}`);
    const gateways = await proxyGateways();
    assert.deepEqual(
      gateways.filter((g) => g.state !== 'healthy' || g.consecutiveRequestFailures > 0).map((g) => g.id),
      [],
    );
    const ok = await get(`${gateway}/v1/cart`, { authorization: `Bearer ${await stack.token(goodUser)}` });
    assert.equal(ok.status, 200, ok.body);
  });

  it("relays the gateway's early answer to an upload it refused before the body, whichever side ends the exchange first", { timeout: 300_000 }, async (t) => {
    // The gateway answers (404: no such command) while the proxy is still passing the body on: the proxy's
    // write to the gateway can fail after the answer arrived, or the gateway close the connection under it.
    // The client must get the gateway's answer either way, and no gateway may be charged for it.
    const token = await stack.token(goodUser);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 45; i++) {
      const how = (['partial', 'whole', 'split'] as const)[i % 3] as EarlyUpload;
      const outcome = `${how}: ${await earlyAnswered(stack.entry('us-east'), token, how, REQUEST_BOUND_MS)}`;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const summary = [...outcomes].map(([o, n]) => `${n} × ${o}`);
    t.diagnostic(`early answers as the client saw them: ${summary.join('; ')}`);
    assert.deepEqual(
      summary.filter((o) => !o.endsWith(`404 ${PROBLEM}`)),
      [],
      `every early answer reached the client: ${summary.join('; ')}`,
    );
    const charged = (await proxyGateways()).filter((g) => g.state !== 'healthy' || g.consecutiveRequestFailures > 0);
    assert.deepEqual(
      charged.map((g) => `${g.id}: ${g.state}, ${g.consecutiveRequestFailures} failed requests (${g.reason ?? ''})`),
      [],
      'no gateway was charged for answering early',
    );
  });

  it('answers malformed URLs with problem+json at the proxy, the gateway, the node and the control plane', { timeout: 300_000 }, async () => {
    const token = await stack.token(goodUser);
    const targets = [
      stack.entry('us-east'),
      stack.url('us-east-gw-1'),
      stack.url(writePoint),
      stack.controlPlaneUrl as string,
      adminUrl('us-east-gw-1'),
    ];
    const paths = ['/v1/cart/%zz', '/v1/%E0%A4%A', `/cmd/cart/${'%C3%A9'.repeat(200)}`, '/v1/%'];
    for (const base of targets) {
      for (const path of paths) {
        const res = await get(`${base}${path}`, { authorization: `Bearer ${token}` });
        assert.ok(res.status >= 400 && res.status < 500, `${base}${path.slice(0, 30)}: ${res.status} ${res.body.slice(0, 200)}`);
        assert.ok(res.type.startsWith(PROBLEM), `${base}${path.slice(0, 30)}: ${res.status} ${res.type} ${res.body.slice(0, 200)}`);
      }
    }
    // Malformed JSON and a wrong content type: through the proxy (the node parses the body) and at the admin API.
    const bodies: Array<[string, string, string, Record<string, string>]> = [
      [stack.entry('us-east'), '/v1/profile', '{"displayName":', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }],
      [stack.entry('us-east'), '/v1/profile', '<profile/>', { authorization: `Bearer ${token}`, 'content-type': 'application/xml' }],
      [stack.controlPlaneUrl as string, '/v1/config/validate', '{"document":', { authorization: `Bearer ${DEV_ADMIN_TOKENS.viewer}`, 'content-type': 'application/json' }],
      [stack.controlPlaneUrl as string, '/v1/config/validate', 'document', { authorization: `Bearer ${DEV_ADMIN_TOKENS.viewer}`, 'content-type': 'text/csv' }],
    ];
    for (const [base, path, body, headers] of bodies) {
      const res = await request(`${base}${path}`, { method: path === '/v1/profile' ? 'PUT' : 'POST', body, headers, dispatcher: client });
      const text = await res.body.text();
      const what = `${base}${path} ${headers['content-type']}: ${res.statusCode} ${String(res.headers['content-type'])} ${text.slice(0, 200)}`;
      assert.ok(res.statusCode === 400 || res.statusCode === 415, what);
      assert.ok(String(res.headers['content-type']).startsWith(PROBLEM), what);
    }
  });
});
