import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { Header } from '@setgate/contracts';
import { type NodeRef, shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';

/**
 * Per-node outlier ejection on real processes: one us-east gateway, and a
 * shard led from another region with two replicas nearer to us-east. Bounded
 * reads (profile.get, 5 s staleness) go to the nearest replica; its node is
 * SIGKILLed under read load. Ejection is observed on the gateway's /status
 * (ejections per node), in which node answers (x-setgate-node), and in the
 * connections the gateway opens to the dead node's port, where the test
 * listens once the node is gone and resets every connection (the way a host
 * whose process died answers): far fewer than reads, because an ejected node
 * is only probed once per backoff. No assertion depends on exact timings.
 */
const EJECT_AFTER_FAILURES = 3;
const BASE_EJECTION_MS = 2000;
const MAX_EJECTION_MS = 4000;
/** Concurrent readers, each paced; a hard cap on requests bounds the load whatever happens. */
const WORKERS = 4;
const READ_INTERVAL_MS = 20;
const MAX_REQUESTS = 30_000;
/** A read that takes longer than this is a hang, not a slow answer. */
const REQUEST_BOUND_MS = 5000;
const GATEWAY = 'us-east-gw-1';
const REGION = 'us-east';

interface Read {
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 when the read failed without one (a timeout included). */
  readonly status: number;
  readonly node: string | undefined;
  readonly body: string;
}

/** A subject whose shard is led outside REGION and has two replicas nearer to REGION than its write-point. */
function pickSubject(view: TopologyView): { sub: string; nearest: NodeRef; second: NodeRef; writePoint: NodeRef } {
  for (let i = 0; i < 10_000; i++) {
    const sub = `ejection-${i}`;
    const shard = shardOf(sub, view.shardCount);
    const writePoint = view.writePoint(shard);
    const order = view.replicasByDistance(shard, REGION);
    const [nearest, second] = order;
    if (writePoint.region !== REGION && nearest?.region === REGION && second && order.indexOf(writePoint) >= 2) {
      return { sub, nearest, second, writePoint };
    }
  }
  throw new Error('the shipped topology has no shard with two replicas nearer to us-east than its write-point');
}

/** Listens on a dead node's port and resets every connection, recording when each was opened. */
async function resetEveryConnection(port: number, host: string): Promise<{ readonly opened: number[]; close(): Promise<void> }> {
  const opened: number[] = [];
  const server: Server = createServer((socket) => {
    opened.push(performance.now());
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return { opened, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('gateway outlier ejection of a dead replica (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const { sub, nearest, second, writePoint } = pickSubject(source);
  let stack: TestStack | undefined;
  let client: Agent | undefined;
  let blackHole: { close(): Promise<void> } | undefined;

  before(async () => {
    stack = await startTestStack({
      only: (i) => i.id === GATEWAY || [nearest.id, second.id, writePoint.id].includes(i.id),
      edit: (doc) => {
        const gateway = doc.gateway as Record<string, unknown>;
        gateway.upstream = {
          ...(gateway.upstream as Record<string, unknown>),
          ejectAfterFailures: EJECT_AFTER_FAILURES,
          baseEjectionMs: BASE_EJECTION_MS,
          maxEjectionMs: MAX_EJECTION_MS,
        };
        // Shedding is not under test: a busy 2-core machine (node restarts beside the read load) must not shed reads.
        gateway.admission = { ...(gateway.admission as Record<string, unknown>), maxEventLoopDelayMs: 2000 };
        // Nodes are killed on purpose and most of the topology is not started: no failover may interfere.
        doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
      },
    });
    client = new Agent({ connections: WORKERS + 2, connect: { timeout: REQUEST_BOUND_MS }, keepAliveTimeout: 2000 });
  });
  after(async () => {
    try {
      await blackHole?.close();
      await client?.close();
    } finally {
      await stack?.close();
    }
  });

  it('keeps reads served while the nearest replica is dead, ejects it with backoff, and uses it again once it is back', async () => {
    const s = stack as TestStack;
    const gw = s.url(GATEWAY);
    const auth = { authorization: `Bearer ${await s.token(sub)}` };
    const name = `Ejection ${Date.now()}`;
    const put = await request(`${gw}/v1/profile`, {
      method: 'PUT',
      body: JSON.stringify({ displayName: name, locale: 'en-GB' }),
      headers: { ...auth, 'content-type': 'application/json' },
      dispatcher: client,
    });
    const written = await put.body.text();
    assert.ok(put.statusCode >= 200 && put.statusCode < 300, `${put.statusCode}: ${written}`);

    const reads: Read[] = [];
    let stopped = false;
    const worker = async () => {
      let next = performance.now();
      while (!stopped && reads.length < MAX_REQUESTS) {
        const start = performance.now();
        try {
          const res = await request(`${gw}/v1/profile`, {
            headers: auth,
            dispatcher: client,
            headersTimeout: REQUEST_BOUND_MS,
            bodyTimeout: REQUEST_BOUND_MS,
          });
          const body = await res.body.text();
          const node = res.headers[Header.node];
          reads.push({ start, end: performance.now(), status: res.statusCode, node: typeof node === 'string' ? node : undefined, body });
        } catch (err) {
          reads.push({ start, end: performance.now(), status: 0, node: undefined, body: String(err) });
        }
        next += READ_INTERVAL_MS;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        else next = performance.now();
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    const servedBy = (node: string, from: number) => reads.filter((r) => r.status === 200 && r.node === node && r.start >= from);
    /** Bounded wait for `n` reads answered by `node` that started after `from`. */
    const waitServed = async (node: string, from: number, n: number, boundMs: number) => {
      const deadline = performance.now() + boundMs;
      while (servedBy(node, from).length < n && performance.now() < deadline) await sleep(25);
      const got = servedBy(node, from);
      assert.ok(got.length >= n, `${node} answered ${got.length} reads within ${boundMs} ms, expected ${n}`);
      return got;
    };

    try {
      // Steady state: the nearest replica serves (it catches up asynchronously, within the 5 s bound).
      await waitServed(nearest.id, 0, 50, 10_000);

      // 1. SIGKILL the nearest replica's node; then reset every connection to its port.
      const nearestProcess = s.supervisor.get(nearest.id);
      assert.ok(nearestProcess);
      const killedAt = performance.now();
      nearestProcess.kill('SIGKILL');
      await nearestProcess.exited;
      // The running topology's port: the shipped file's ports were rebound to free ones.
      const bound = s.view.node(nearest.id);
      assert.ok(bound);
      const hole = await resetEveryConnection(bound.port, bound.host);
      blackHole = hole;
      await waitServed(second.id, killedAt, 20, 5000);

      // 2. Ejected, with a growing backoff: the gateway's status shows it, and while the node is dead the gateway
      //    only probes it now and then (a burst per backoff) instead of trying it first on every read.
      const ejectionsOf = async (): Promise<number> => {
        const res = await request(`${s.view.instance(GATEWAY)?.adminUrl as string}/status`, { headersTimeout: REQUEST_BOUND_MS, bodyTimeout: REQUEST_BOUND_MS });
        const status = (await res.body.json()) as { upstream: { nodes: Array<{ node: string; ejections: number }> } };
        return status.upstream.nodes.find((n) => n.node === nearest.id)?.ejections ?? 0;
      };
      const waitEjections = async (n: number, boundMs: number) => {
        const deadline = performance.now() + boundMs;
        let seen = await ejectionsOf();
        while (seen < n && performance.now() < deadline) {
          await sleep(100);
          seen = await ejectionsOf();
        }
        assert.ok(seen >= n, `${nearest.id} was ejected ${seen} times within ${boundMs} ms, expected ${n}`);
      };
      await waitEjections(1, 10_000);
      const deadFrom = performance.now();
      // A failed probe after the first backoff ejects it again (for twice as long).
      await waitEjections(2, BASE_EJECTION_MS + 15_000);
      await sleep(MAX_EJECTION_MS);
      const deadTo = performance.now();
      const readsWhileDead = reads.filter((r) => r.start >= deadFrom && r.start < deadTo).length;
      const connectionsWhileDead = hole.opened.filter((t) => t >= deadFrom && t < deadTo).length;
      process.stdout.write(
        `# killed ${nearest.id}: ${readsWhileDead} reads and ${connectionsWhileDead} connections to it in ` +
          `${(deadTo - deadFrom).toFixed(0)} ms while ejected (${(await ejectionsOf()).toString()} ejections)\n`,
      );
      // Without ejection every read would try the nearest replica first: one connection attempt per read.
      assert.ok(readsWhileDead >= 20, `too few reads while the node was dead to judge: ${readsWhileDead}`);
      assert.ok(
        connectionsWhileDead * 5 <= readsWhileDead,
        `${connectionsWhileDead} connections for ${readsWhileDead} reads: the dead node was not kept out`,
      );

      // 3. Never all nodes: with both replicas dead and ejected, the write-point still serves every read.
      const secondProcess = s.supervisor.get(second.id);
      assert.ok(secondProcess);
      const secondKilledAt = performance.now();
      secondProcess.kill('SIGKILL');
      await secondProcess.exited;
      await waitServed(writePoint.id, secondKilledAt, 20, 5000);

      // 4. Both nodes come back (same data dir and ports); the nearest serves again once its backoff is over.
      await hole.close();
      blackHole = undefined;
      const restarting = performance.now();
      await Promise.all([s.supervisor.restart(nearest.id), s.supervisor.restart(second.id)]);
      const readyAt = performance.now();
      // Its ejection may still run (up to MAX_EJECTION_MS) when it is ready; then a probe finds it answering.
      const back = await waitServed(nearest.id, restarting, 1, MAX_EJECTION_MS + 20_000);
      const firstBack = back.sort((a, b) => a.start - b.start)[0] as Read;
      process.stdout.write(
        `# restarted in ${(readyAt - restarting).toFixed(0)} ms; ${nearest.id} served again ` +
          `${(firstBack.end - readyAt).toFixed(0)} ms after it was ready\n`,
      );
      // Once back, it keeps serving: a success resets its failure count and backoff.
      await sleep(500);
      const settled = performance.now();
      await waitServed(nearest.id, settled, 20, 5000);
      const lately = reads.filter((r) => r.start >= settled && r.status === 200);
      assert.ok(
        lately.filter((r) => r.node === nearest.id).length >= lately.length * 0.9,
        `the nearest replica serves again: ${JSON.stringify(tally(lately))}`,
      );
    } finally {
      stopped = true;
      await load;
    }

    // Every read succeeded with the written value, none hung; every node served at some point.
    const failed = reads.filter((r) => r.status !== 200 || !r.body.includes(name));
    const slowest = Math.max(...reads.map((r) => r.end - r.start));
    process.stdout.write(`# ${reads.length} reads, slowest ${slowest.toFixed(0)} ms, served by ${JSON.stringify(tally(reads))}\n`);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} reads failed`);
    assert.ok(slowest < REQUEST_BOUND_MS, `slowest read took ${slowest.toFixed(0)} ms`);
    assert.ok(reads.length < MAX_REQUESTS, 'the load stayed within its cap');
  });
});

function tally(reads: readonly Read[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reads) out[r.node ?? `status ${r.status}`] = (out[r.node ?? `status ${r.status}`] ?? 0) + 1;
  return out;
}
