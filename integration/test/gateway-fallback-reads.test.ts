import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { Header } from '@setgate/contracts';
import { shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { join } from 'node:path';
import { signDevToken, type Stack, startStack } from '@setgate/launcher';
import { freshTopology, SHIPPED_TOPOLOGY } from './harness.js';

/**
 * Reads on the fallback path with a dead write-point, on real processes
 * (issue 11, finding 5). The recipe that returned the older value 6/6: a far
 * follower (ap-south-a-1) paused, a write acknowledged by the nearer follower
 * (eu-west-b-1) (two, in fact: see below), the leader (us-east-a-1) killed, the far follower resumed,
 * then reads with the client's session token through the far follower's
 * region (ap-south-gw-1). Once both followers are staler than profile.get's
 * 5 s bound, every read is a fallback read. What must hold: never the value
 * from before the client's write; past the bound only with
 * `x-setgate-read: stale-fallback` and the real staleness; a command without
 * `staleFallback` answers 503 SETGATE_GW_NO_FRESH_REPLICA; with the nearer
 * follower stopped too, 409 SETGATE_GW_READ_BEHIND_SESSION. Failover is
 * paused so the dead leader stays the write-point. No assertion on timings.
 */
const GATEWAY = 'ap-south-gw-1';
const LEADER = 'us-east-a-1';
const NEAR = 'eu-west-b-1';
const FAR = 'ap-south-a-1';
const BOUND_MS = 5000;
/** A request that takes longer than this is a hang. */
const REQUEST_BOUND_MS = 15_000;
/** Generous: a loaded 2-core machine. */
const DEADLINE_MS = 120_000;
const STRICT_PATH = '/v1/profile/strict';
/** Processes start slowly when other stacks share the 2 cores: wait for readiness generously. */
const READY_TIMEOUT_MS = 180_000;

/** A subject whose shard is led by LEADER with NEAR and FAR as its followers. */
function pickSubject(view: TopologyView): string {
  for (let i = 0; i < 10_000; i++) {
    const sub = `fallback-${i}`;
    const shard = shardOf(sub, view.shardCount);
    const p = view.placement(shard);
    const sets = new Set(p.replicas);
    if (view.writePoint(shard).id === LEADER && sets.has('eu-west-b') && sets.has('ap-south-a')) return sub;
  }
  throw new Error(`the shipped topology has no shard led by ${LEADER} with replicas eu-west-b and ap-south-a`);
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly node: string | undefined;
  readonly readSource: string | undefined;
  readonly stalenessMs: number | undefined;
}

describe('gateway fallback reads with a dead write-point (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const sub = pickSubject(source);
  let stack: Stack | undefined;
  let cleanup: (() => void) | undefined;
  let token: ((sub: string) => Promise<string>) | undefined;
  let client: Agent | undefined;

  before(async () => {
    const t = await freshTopology((doc) => {
      const gateway = doc.gateway as Record<string, unknown>;
      // Shedding is not under test: a busy machine must not shed these few reads.
      gateway.admission = { ...(gateway.admission as Record<string, unknown>), maxEventLoopDelayMs: 2000 };
      // The leader is killed on purpose and most of the topology is not started: no failover may interfere.
      doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
      // Setup writes must not fail because a loaded machine is slow; the reads keep their shipped settings.
      doc.replication = { ...(doc.replication as Record<string, unknown>), ackTimeoutMs: 20_000 };
      for (const c of doc.commands as Record<string, unknown>[]) if (c.name === 'profile.put') c.timeoutMs = 30_000;
      // profile.get without stale fallback, to see the bound enforced.
      const commands = doc.commands as Record<string, unknown>[];
      const profile = commands.find((c) => c.name === 'profile.get') as Record<string, unknown>;
      commands.push({ ...profile, name: 'profile.get-strict', path: STRICT_PATH, staleFallback: false });
    });
    cleanup = t.cleanup;
    token = (s: string) => signDevToken(t.topology, { sub: s });
    stack = await startStack({
      configPath: t.configPath,
      dataDir: join(t.dir, 'data'),
      logDir: join(t.dir, 'logs'),
      only: (i) => [GATEWAY, LEADER, NEAR, FAR].includes(i.id),
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    client = new Agent({ connections: 2, keepAliveTimeout: 2000 });
  });
  after(async () => {
    try {
      for (const id of [NEAR, FAR]) stack?.supervisor.get(id)?.kill('SIGCONT');
      await client?.close();
      await stack?.stop();
    } finally {
      cleanup?.();
    }
  });

  it('never serves a value older than the session position, and exceeds the bound only marked and where allowed', async (t) => {
    const s = stack as Stack;
    const gw = s.url(GATEWAY);
    const auth = { authorization: `Bearer ${await (token as (sub: string) => Promise<string>)(sub)}` };
    const stamp = Date.now();
    const before = `Before ${stamp}`;
    const written = `Written ${stamp}`;

    const put = async (name: string, session?: string): Promise<string> => {
      const res = await request(`${gw}/v1/profile`, {
        method: 'PUT',
        body: JSON.stringify({ displayName: name, locale: 'en-GB' }),
        headers: { ...auth, 'content-type': 'application/json', ...(session ? { [Header.session]: session } : {}) },
        dispatcher: client,
        headersTimeout: REQUEST_BOUND_MS,
        bodyTimeout: REQUEST_BOUND_MS,
      });
      const text = await res.body.text();
      assert.ok(res.statusCode >= 200 && res.statusCode < 300, `PUT ${name}: ${res.statusCode} ${text}`);
      const issued = res.headers[Header.session];
      assert.equal(typeof issued, 'string');
      return issued as string;
    };
    const get = async (path: string, session: string): Promise<Answer> => {
      const res = await request(`${gw}${path}`, {
        headers: { ...auth, [Header.session]: session },
        dispatcher: client,
        headersTimeout: REQUEST_BOUND_MS,
        bodyTimeout: REQUEST_BOUND_MS,
      });
      const staleness = res.headers[Header.stalenessMs];
      const source = res.headers['x-setgate-read'];
      const node = res.headers[Header.node];
      return {
        status: res.statusCode,
        body: await res.body.text(),
        node: typeof node === 'string' ? node : undefined,
        readSource: typeof source === 'string' ? source : undefined,
        stalenessMs: typeof staleness === 'string' ? Number(staleness) : undefined,
      };
    };

    // 1. A first write, read back from the far follower so it holds it (the "older value").
    const first = await put(before);
    const deadline = performance.now() + DEADLINE_MS;
    for (;;) {
      const a = await get('/v1/profile', first);
      if (a.status === 200 && a.node === FAR && a.body.includes(before)) break;
      assert.ok(performance.now() < deadline, `${FAR} never served the first write; last answer ${JSON.stringify(a)}`);
      await sleep(100);
    }

    // 2. Far follower paused; a write acknowledged with the nearer follower; leader killed; far follower resumed.
    const far = s.supervisor.get(FAR);
    const leader = s.supervisor.get(LEADER);
    const near = s.supervisor.get(NEAR);
    assert.ok(far && leader && near);
    far.kill('SIGSTOP');
    // A replication long-poll the far follower had pending is answered into its socket buffer even while it is
    // stopped, so it may still receive the first write after the pause; it cannot ask for the second.
    const intermediate = await put(`Intermediate ${stamp}`, first);
    const session = await put(written, intermediate);
    leader.kill('SIGKILL');
    await leader.exited;
    far.kill('SIGCONT');

    // 3. Reads with the token until three were served past the bound. Paced: each fallback costs retry budget.
    const answers: Answer[] = [];
    let beyondBound = 0;
    while (beyondBound < 3) {
      assert.ok(performance.now() < deadline, `no read was served past the ${BOUND_MS} ms bound in time: ${JSON.stringify(answers.slice(-3))}`);
      const a = await get('/v1/profile', session);
      answers.push(a);
      if (a.status === 200) {
        assert.ok(a.body.includes(written), `read ${answers.length} (node ${a.node}) returned a value older than the client's write: ${a.body}`);
        if (a.stalenessMs === undefined || a.stalenessMs > BOUND_MS) {
          assert.equal(a.readSource, 'stale-fallback', `read ${answers.length} was ${a.stalenessMs} ms stale and not marked: ${JSON.stringify(a)}`);
          assert.equal(a.node, NEAR, 'only the nearer follower holds the write');
          beyondBound++;
        }
      } else {
        assert.equal(a.status, 409, JSON.stringify(a));
        assert.equal(JSON.parse(a.body).code, 'SETGATE_GW_READ_BEHIND_SESSION', a.body);
      }
      await sleep(500);
    }

    const served = answers.filter((a) => a.status === 200);
    t.diagnostic(
      `${answers.length} reads with the token after the kill: ${served.length - beyondBound} within the bound, ${beyondBound} stale-fallback ` +
        `(staleness ${served.filter((a) => a.readSource !== undefined).map((a) => a.stalenessMs).join(', ')} ms), ${answers.length - served.length} × 409; 0 older values`,
    );

    // 4. The same read through a command that does not allow stale fallback: refused, not served stale.
    const strict = await get(STRICT_PATH, session);
    assert.equal(strict.status, 503, JSON.stringify(strict));
    assert.equal(JSON.parse(strict.body).code, 'SETGATE_GW_NO_FRESH_REPLICA', strict.body);

    // 5. The nearer follower stopped too: nobody reachable holds the write, so 409, never the older value.
    near.kill('SIGSTOP');
    try {
      const behind = await get('/v1/profile', session);
      assert.equal(behind.status, 409, `with only ${FAR} reachable: ${JSON.stringify(behind)}`);
      assert.equal(JSON.parse(behind.body).code, 'SETGATE_GW_READ_BEHIND_SESSION', behind.body);
    } finally {
      near.kill('SIGCONT');
    }
  });
});
