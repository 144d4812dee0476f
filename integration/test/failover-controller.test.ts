import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { type NodeRef, shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { allPorts, portIsFree, startTestStack, type TestStack, until } from './harness.js';
import { nodeAuth } from './node-auth.js';

/**
 * The failover controller on real processes: every set-runtime node, one
 * gateway and the control plane. Short timings so a case runs in seconds:
 * leaseMs 1500 + ackTimeoutMs 1000 make the floor of downAfterMs 2500 ms,
 * probes every 200 ms.
 */
const TIMINGS = {
  replication: { leaseMs: 1500, ackTimeoutMs: 1000 },
  failover: { probeIntervalMs: 200, downAfterMs: 2500 },
};
/** The write-point killed in both cases, and the one shard the load writes to (it leads it). */
const VICTIM = 'us-east-a-1';
const SHARD = 0;
/**
 * Shard 0's followers: eu-west-b-1 is nearer the victim, so it wins a tie;
 * paused (SIGSTOP) just before the kill it falls behind ap-south-a-1, which
 * then alone holds the last acknowledged writes and must be the one promoted.
 */
const LAGGING = 'eu-west-b-1';
const AHEAD = 'ap-south-a-1';
const LAG_MS = 700;
const GATEWAY = 'us-east-gw-1';
/** Concurrent writers and hard caps: the load is bounded whatever happens. */
const WRITERS = 4;
const MAX_WRITES = 20_000;
/** From the kill until the controller must have published (floor 2.5 s + probes + slack for a loaded 2-core box). */
const PROMOTION_BOUND_MS = 10_000;

type Role = keyof typeof DEV_ADMIN_TOKENS;

interface FailoverNodeView {
  node: string;
  state: string;
  leads: number[];
  lastAction?: { kind: string; detail: string; version?: number };
}
interface ControllerStatus {
  paused: boolean;
  downAfterMs: { configured: number; effective: number; floor: number };
  suppressed: Array<{ node: string; shards: number[] }>;
  nodes: FailoverNodeView[];
}

async function startFailoverStack(paused: boolean): Promise<TestStack> {
  return startTestStack({
    only: (i) => i.kind === 'set-runtime' || i.id === GATEWAY,
    edit: (doc) => {
      doc.replication = TIMINGS.replication;
      doc.failover = { paused, ...TIMINGS.failover };
    },
  });
}

/** Control-plane calls, the controller's status and the current version of one stack. */
function controlPlane(stack: TestStack) {
  const api = stack.controlPlaneUrl as string;
  const cp = stack.topology.controlPlane?.id as string;
  const admin = stack.supervisor.ready.get(cp)?.adminUrl as string;
  const call = async <T>(method: 'GET' | 'POST', path: string, role: Role, body?: unknown) => {
    const res = await request(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKENS[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    call,
    async current() {
      const r = await call<{ version: number; document: never }>('GET', '/v1/config', 'viewer');
      return { version: r.body.version, view: new TopologyView(r.body.document) };
    },
    async controller(): Promise<ControllerStatus> {
      const res = await request(`${admin}/status`);
      return ((await res.body.json()) as { failoverController: ControllerStatus }).failoverController;
    },
    async metrics(): Promise<string> {
      return (await request(`${admin}/metrics`)).body.text();
    },
  };
}


/** Subjects whose profile key lands on `shard`, endlessly. */
function* subjectsOf(shard: number, shardCount: number, tag: string): Generator<string> {
  for (let i = 0; ; i++) {
    const sub = `fo-${tag}-${i}`;
    if (shardOf(sub, shardCount) === shard) yield sub;
  }
}

interface Ack {
  readonly sub: string;
  readonly name: string;
  /** performance.now() when the 2xx arrived. */
  readonly at: number;
}

/**
 * Writers putting one new profile each per request through the gateway, each
 * subject once: what was acknowledged (2xx) is recorded with its value, any
 * other answer counted by status. Bounded by MAX_WRITES and by stop().
 */
function writeLoad(stack: TestStack, shard: number) {
  const gateway = stack.url(GATEWAY);
  const client = new Agent({ connections: WRITERS, keepAliveTimeout: 2000 });
  const subjects = subjectsOf(shard, stack.view.shardCount, String(Date.now()));
  const acked: Ack[] = [];
  const refused = new Map<number, number>();
  let attempts = 0;
  let running = true;
  const writer = async () => {
    while (running && attempts < MAX_WRITES) {
      attempts++;
      const sub = subjects.next().value as string;
      const name = `w-${sub}`;
      let status = 0;
      try {
        const res = await request(`${gateway}/v1/profile`, {
          method: 'PUT',
          dispatcher: client,
          headers: { authorization: `Bearer ${await stack.token(sub)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: name }),
        });
        await res.body.dump();
        status = res.statusCode;
      } catch {
        status = 0;
      }
      if (status >= 200 && status < 300) acked.push({ sub, name, at: performance.now() });
      else {
        refused.set(status, (refused.get(status) ?? 0) + 1);
        await sleep(20);
      }
    }
  };
  const done = Promise.all(Array.from({ length: WRITERS }, writer));
  let stopped: Promise<void> | undefined;
  return {
    acked,
    refused,
    get attempts() {
      return attempts;
    },
    stop() {
      running = false;
      stopped ??= done.then(() => client.close());
      return stopped;
    },
  };
}

/** Acknowledged profiles that the node does not return with the acknowledged value. */
async function missingOn(node: NodeRef, acked: readonly Ack[], token: string): Promise<Ack[]> {
  const client = new Agent({ connections: 8 });
  const missing: Ack[] = [];
  let next = 0;
  const reader = async () => {
    while (next < acked.length) {
      const a = acked[next++] as Ack;
      const res = await request(`${node.url}/cmd/profile/${a.sub}`, { dispatcher: client, headers: nodeAuth({ internalToken: token }) });
      const body = (await res.body.json()) as { displayName?: string };
      if (res.statusCode !== 200 || body.displayName !== a.name) missing.push(a);
    }
  };
  await Promise.all(Array.from({ length: 8 }, reader));
  await client.close();
  return missing;
}

/** Stops the stack and checks that no process and no port of it is left. */
async function closeAndCheck(stack: TestStack | undefined): Promise<void> {
  if (!stack) return;
  const pids = stack.supervisor.components().map((c) => c.pid);
  await stack.close();
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), `process ${pid} still runs`);
  for (const port of allPorts(stack.topology)) assert.ok(await portIsFree(port), `port ${port} still answers`);
}

describe('failover controller: a killed write-point is replaced, no acknowledged write lost (real processes)', () => {
  let stack: TestStack | undefined;
  before(async () => {
    stack = await startFailoverStack(false);
  });
  after(() => closeAndCheck(stack));

  it('promotes the most caught-up replica after SIGKILL of the leader; writes resume; every acknowledged write is readable', async (t) => {
    const s = stack as TestStack;
    const cp = controlPlane(s);
    const start = await cp.current();
    assert.equal(start.view.writePoint(SHARD).id, VICTIM);
    const victimShards = start.view.doc.placements.filter((p) => start.view.writePoint(p.shard).id === VICTIM).map((p) => p.shard);
    await until('the controller to see every write-point up', async () => (await cp.controller()).nodes.filter((n) => n.state === 'up').length === 6, 15_000);
    assert.deepEqual((await cp.controller()).downAfterMs, { configured: 2500, effective: 2500, floor: 400 });

    const load = writeLoad(s, SHARD);
    let killedAt = 0;
    let promotedAt = 0;
    let after: Awaited<ReturnType<typeof cp.current>> | undefined;
    try {
      await until('steady acknowledged writes', async () => load.acked.length >= 100, 15_000);
      await sleep(1000);
      s.supervisor.get(LAGGING)?.kill('SIGSTOP');
      const lagFrom = performance.now();
      await sleep(LAG_MS);
      killedAt = performance.now();
      const killedWall = Date.now();
      s.supervisor.get(VICTIM)?.kill('SIGKILL');
      s.supervisor.get(LAGGING)?.kill('SIGCONT');
      const onlyOnAhead = load.acked.filter((a) => a.at > lagFrom && a.at < killedAt).length;
      assert.ok(onlyOnAhead > 0, `writes were acknowledged while ${LAGGING} was stopped`);

      after = await until(
        'the controller to publish new leaders',
        async () => {
          const c = await cp.current();
          return c.version > start.version ? c : undefined;
        },
        PROMOTION_BOUND_MS,
      );
      promotedAt = performance.now();
      const resumed = await until('writes to resume', async () => load.acked.some((a) => a.at > promotedAt), 15_000);
      assert.ok(resumed);
      await sleep(1500);
      await load.stop();

      const history = await cp.call<{ versions: Array<{ version: number; author: string; reason: string; time: string; action: { kind: string; nodes: string[]; shards: number[] } }> }>(
        'GET',
        '/v1/config/history?limit=5',
        'viewer',
      );
      const failovers = history.body.versions.filter((v) => v.version > start.version);
      assert.equal(failovers.length, 1, `exactly one new version: ${JSON.stringify(failovers)}`);
      const record = failovers[0] as (typeof failovers)[number];
      assert.equal(record.author, 'failover-controller');
      assert.equal(record.action.kind, 'failover');
      assert.deepEqual(record.action.nodes, [VICTIM]);
      assert.deepEqual(record.action.shards, victimShards);
      assert.match(record.reason, new RegExp(`write-point ${VICTIM} unreachable for \\d+\\.\\d s`));
      const publishMs = Date.parse(record.time) - killedWall;

      const view = after.view;
      const placement = view.placement(SHARD);
      const newLeader = view.writePoint(SHARD);
      assert.equal(placement.epoch, start.view.placement(SHARD).epoch + 1);
      assert.ok(start.view.placement(SHARD).replicas.includes(placement.leader), 'a replica set of the shard leads it');

      const beforeKill = load.acked.filter((a) => a.at < killedAt);
      const afterPromotion = load.acked.filter((a) => a.at > promotedAt);
      // The write pause: the longest stretch without an acknowledgement (it spans the kill).
      const times = load.acked.map((a) => a.at).sort((a, b) => a - b);
      const pauseMs = Math.max(0, ...times.slice(1).map((at, i) => at - (times[i] as number)));
      const missing = await missingOn(newLeader, load.acked, s.internalToken);
      const refused = [...load.refused].map(([status, n]) => `${status || 'no answer'}×${n}`).join(', ');
      const summary =
        `kill→published ${publishMs} ms (seen by the test after ${(promotedAt - killedAt).toFixed(0)} ms); write pause ${pauseMs.toFixed(0)} ms; ` +
        `new leader ${newLeader.id} at epoch ${placement.epoch}; attempts ${load.attempts}; acked ${load.acked.length} ` +
        `(${beforeKill.length} before the kill, ${onlyOnAhead} of them while ${LAGGING} was stopped; ${afterPromotion.length} after the promotion); ` +
        `lost ${missing.length}; refused ${refused || 'none'}`;
      t.diagnostic(summary);
      assert.deepEqual(missing.map((m) => m.sub), [], `${missing.length} acknowledged writes missing on ${newLeader.id}`);
      assert.equal(newLeader.id, AHEAD, `the most caught-up replica (${onlyOnAhead} acknowledged writes only it held) leads`);
      assert.ok(beforeKill.length > 0 && afterPromotion.length > 0);
      assert.ok(publishMs >= 2500, `published ${publishMs} ms after the kill: before downAfterMs`);

      const controller = await cp.controller();
      const victim = controller.nodes.find((n) => n.node === VICTIM);
      assert.equal(victim?.state, 'down');
      assert.equal(victim?.lastAction?.kind, 'promoted');
      assert.equal(victim?.lastAction?.version, after.version);
      const metrics = await cp.metrics();
      assert.match(metrics, new RegExp(`^setgate_failover_decisions_total\\{outcome="promoted",node="${VICTIM}"[^}]*\\} ${victimShards.length}$`, 'm'));
    } finally {
      s.supervisor.get(LAGGING)?.kill('SIGCONT');
      await load.stop();
    }
  });
});

describe('failover controller paused: observes only, and acts once resumed (real processes)', () => {
  let stack: TestStack | undefined;
  before(async () => {
    stack = await startFailoverStack(true);
  });
  after(() => closeAndCheck(stack));

  it('keeps the topology while paused and shows the suppressed failover; resuming promotes', async (t) => {
    const s = stack as TestStack;
    const cp = controlPlane(s);
    const start = await cp.current();
    await until('the controller to see every write-point up', async () => (await cp.controller()).nodes.filter((n) => n.state === 'up').length === 6, 15_000);
    // Sync writes up to the kill, through at least one of the controller's full status reads of the
    // leader (every STATUS_EVERY_MS, 2 s), so its last report shows the followers in sync: a leader
    // whose last report counted no replica in sync is held, not failed over. With the load stopped
    // 500 ms before the kill, the last read could predate the writes and the shard was held.
    // (Why an earlier, idle report counted no follower in sync is not yet explained: see the note.)
    const load = writeLoad(s, SHARD);
    await until('acknowledged writes', async () => load.acked.length >= 20, 15_000).catch(async (err) => {
      await load.stop();
      throw err;
    });
    await sleep(2500);

    s.supervisor.get(VICTIM)?.kill('SIGKILL');
    const killedAt = performance.now();
    await load.stop();
    const suppressed = await until(
      'the status to show the suppressed failover',
      async () => {
        const c = await cp.controller();
        return c.suppressed.some((x) => x.node === VICTIM) ? c : undefined;
      },
      PROMOTION_BOUND_MS,
    );
    assert.equal(suppressed.paused, true);
    assert.equal(suppressed.nodes.find((n) => n.node === VICTIM)?.lastAction?.kind, 'suppressed');
    // Well past the moment it would have acted: still nothing.
    await sleep(2000);
    assert.equal((await cp.current()).version, start.version, 'the topology version stays while paused');
    assert.equal((await cp.current()).view.writePoint(SHARD).id, VICTIM);
    const metrics = await cp.metrics();
    assert.match(metrics, new RegExp(`^setgate_failover_suppressed\\{node="${VICTIM}"[^}]*\\} 1$`, 'm'));
    assert.match(metrics, new RegExp(`^setgate_failover_decisions_total\\{outcome="suppressed",node="${VICTIM}"[^}]*\\} 1$`, 'm'));

    const resumedAt = performance.now();
    const resume = await cp.call<{ version: number }>('POST', '/v1/ops/failover/resume', 'operator', { reason: 'failover test: resume' });
    assert.equal(resume.status, 201, JSON.stringify(resume.body));
    const promoted = await until(
      'the promotion after resume',
      async () => {
        const c = await cp.current();
        return c.version > resume.body.version ? c : undefined;
      },
      PROMOTION_BOUND_MS,
    );
    const promotedMs = performance.now() - resumedAt;
    assert.equal(promoted.version, resume.body.version + 1);
    assert.notEqual(promoted.view.writePoint(SHARD).id, VICTIM);
    assert.equal(promoted.view.placement(SHARD).epoch, start.view.placement(SHARD).epoch + 1);
    assert.equal((await cp.controller()).suppressed.length, 0);

    // The shard takes writes again, through the gateway, once it has followed the new version.
    const gateway = s.url(GATEWAY);
    const sub = subjectsOf(SHARD, s.view.shardCount, `resume-${Date.now()}`).next().value as string;
    const auth = { authorization: `Bearer ${await s.token(sub)}`, 'content-type': 'application/json' };
    const status = await until(
      'a write to the promoted shard',
      async () => {
        const res = await request(`${gateway}/v1/profile`, { method: 'PUT', headers: auth, body: JSON.stringify({ displayName: 'after resume' }) });
        await res.body.dump();
        return res.statusCode < 300 ? res.statusCode : undefined;
      },
      10_000,
    );
    assert.ok(status < 300);
    const summary = `suppressed ${(resumedAt - killedAt).toFixed(0)} ms with the version kept at ${start.version}; resume→promotion seen after ${promotedMs.toFixed(0)} ms (version ${promoted.version})`;
    t.diagnostic(summary);
  });
});
