import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { processAlive } from '@setgate/process-supervisor';
import { shardOf } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack, until } from './harness.js';

const REGION = 'us-east';
const PROXY = 'us-east-proxy-1';
const GATEWAY = 'us-east-gw-1';
const NODES = ['us-east-a-1', 'us-east-b-1'];

interface WorkerStatus {
  readonly worker: number;
  readonly pid: number;
  readonly tokenCache?: { verifications: number; cacheHits: number };
}

/** A request on a connection of its own, so the kernel may hand each to another worker. */
async function once(url: string, init: Parameters<typeof request>[1] = {}) {
  const res = await request(url, { ...init, reset: true });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function adminUrl(stack: TestStack, id: string): string {
  const i = stack.view.instance(id);
  assert.ok(i, `${id} is in the topology`);
  return `http://${i.host}:${i.adminPort}`;
}

async function workersOf(stack: TestStack, id: string): Promise<WorkerStatus[]> {
  const res = await once(`${adminUrl(stack, id)}/status`);
  assert.equal(res.status, 200, res.text);
  return (JSON.parse(res.text) as { workers?: WorkerStatus[] }).workers ?? [];
}

/** The sum of a counter's series whose name and labels match (Prometheus text). */
function total(metrics: string, name: string, label: string): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * A gateway and a regional proxy that run two workers each (SETGATE_WORKERS=2):
 * both workers serve, a session token one worker signed is honoured by the other
 * (the topology names no session secret: the primary made one for its workers),
 * `/metrics` and `/status` answer for the whole process whichever worker is asked,
 * a worker that dies is replaced, and stopping the primary stops every worker.
 */
describe('gateway and regional proxy with two workers each', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      env: { SETGATE_WORKERS: '2' },
      only: (i) => i.id === PROXY || i.id === GATEWAY || NODES.includes(i.id),
      edit: (doc) => {
        const regions = doc.regions as Array<{ name: string; gateways: Array<{ id: string }> }>;
        for (const r of regions) if (r.name === REGION) r.gateways = r.gateways.filter((g) => g.id === GATEWAY);
        const gateway = doc.gateway as Record<string, unknown>;
        delete gateway.sessionTokenSecret;
        // Shedding is not under test: beside the drills on a 2-core machine a worker's event loop lags,
        // and a shed 503 failed the first test (seen once in ten runs beside short-drills).
        gateway.admission = { ...(gateway.admission as Record<string, unknown>), maxEventLoopDelayMs: 2000 };
        // Only us-east runs: a write is acknowledged on its write-point's append.
        for (const p of doc.placements as Array<Record<string, unknown>>) Object.assign(p, { mode: 'async', minInsync: 0 });
      },
    });
  });
  after(() => stack?.close());

  /** A subject whose profile shard is led in us-east, which is all that runs. */
  function subjectLedHere(prefix: string): string {
    for (let i = 0; ; i++) {
      const sub = `${prefix}-${i}`;
      if (stack.view.writePoint(shardOf(sub, stack.view.shardCount)).region === REGION) return sub;
    }
  }

  it('both workers serve, and each honours the session tokens the other signed', async () => {
    const auth = { authorization: `Bearer ${await stack.token(subjectLedHere('workers-ryw'))}` };
    // Straight to the gateway: the proxy's few pooled connections could all land on one worker.
    const entry = stack.url(GATEWAY);
    let session: string | undefined;
    for (let i = 0; i < 12; i++) {
      const name = `Worker ${i}`;
      const put = await once(`${entry}/v1/profile`, {
        method: 'PUT',
        body: JSON.stringify({ displayName: name, locale: 'en-GB' }),
        headers: { ...auth, 'content-type': 'application/json', ...(session ? { [Header.session]: session } : {}) },
      });
      assert.equal(put.status < 300, true, put.text);
      session = put.headers[Header.session] as string;
      assert.equal(typeof session, 'string', 'a write returns a session token');
      const get = await once(`${entry}/v1/profile`, { headers: { ...auth, [Header.session]: session } });
      assert.equal(get.status, 200, `read ${i}: ${get.text}`);
      assert.equal(get.text.includes(name), true, `read ${i} sees its write: ${get.text}`);
    }
    const workers = await workersOf(stack, GATEWAY);
    assert.deepEqual(workers.map((w) => w.worker), [1, 2]);
    assert.equal(new Set(workers.map((w) => w.pid)).size, 2, 'two worker processes');
    for (const w of workers) {
      const used = (w.tokenCache?.verifications ?? 0) + (w.tokenCache?.cacheHits ?? 0);
      assert.equal(used > 0, true, `gateway worker ${w.worker} served none of 24 requests on fresh connections`);
    }
    // The proxy's workers too, each serving requests on fresh connections.
    for (let i = 0; i < 12; i++) {
      const res = await once(`${stack.entry(REGION)}/v1/profile`, { headers: { ...auth, [Header.session]: session as string } });
      assert.equal(res.status, 200, res.text);
    }
    const proxyWorkers = await workersOf(stack, PROXY);
    assert.deepEqual(proxyWorkers.map((w) => w.worker), [1, 2]);
    assert.equal(new Set(proxyWorkers.map((w) => w.pid)).size, 2, 'two proxy worker processes');
  });

  it('/metrics counts every worker\'s requests, whichever worker answers the scrape', async () => {
    const metricsUrl = `${adminUrl(stack, GATEWAY)}/metrics`;
    const count = async () => total((await once(metricsUrl)).text, 'http_server_request_duration_count', 'setgate_command="profile.get"');
    const before = await count();
    const auth = { authorization: `Bearer ${await stack.token(subjectLedHere('workers-metrics'))}` };
    const sent = 20;
    for (let i = 0; i < sent; i++) {
      const res = await once(`${stack.url(GATEWAY)}/v1/profile`, { headers: auth });
      assert.equal(res.status < 500, true, res.text);
    }
    // Every scrape, whichever worker takes it, sees all 20 (each worker's reading alone would see about half).
    for (let i = 0; i < 4; i++) assert.equal((await count()) - before, sent);
    const text = (await once(metricsUrl)).text;
    assert.match(text, /setgate_worker="1"/, 'a gauge is kept per worker');
    assert.match(text, /setgate_worker="2"/, 'a gauge is kept per worker');
  });

  it('a worker that dies is replaced, and stopping the primary stops every worker', async () => {
    const [first] = await workersOf(stack, GATEWAY);
    assert.ok(first);
    process.kill(first.pid, 'SIGKILL');
    const replaced = await until('the killed gateway worker to be replaced', async () => {
      const now = await workersOf(stack, GATEWAY);
      return now.length === 2 && !now.some((w) => w.pid === first.pid) ? now : undefined;
    });
    assert.deepEqual(replaced.map((w) => w.worker), [1, 2]);
    const res = await once(`${stack.url(GATEWAY)}/_setgate/health`);
    assert.equal(res.status, 200);

    const pids = [...replaced, ...(await workersOf(stack, PROXY))].map((w) => w.pid);
    await stack.stop();
    assert.deepEqual(pids.filter(processAlive), [], 'no worker outlives its primary');
  });
});
