import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { Header } from '@setgate/contracts';
import { signDevToken, type Stack, startStack } from '@setgate/launcher';
import { shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { freshTopology, SHIPPED_TOPOLOGY } from './harness.js';

/**
 * A write whose write-point dies after receiving it (issue 11, finding 6), on
 * real processes: both followers of a sync shard stopped (SIGSTOP), so the
 * leader appends the write and waits for their acknowledgement; once its log
 * shows the write, the leader is killed (SIGKILL) and the gateway's connection
 * to it closes. The client must hear "may have been applied" (502
 * SETGATE_GW_WRITE_OUTCOME_UNKNOWN), not "not applied": after the followers
 * resume and the leader restarts in place with its data, the write is there.
 * Failover is paused so the restarted leader keeps the shard.
 */
const GATEWAY = 'ap-south-gw-1';
const LEADER = 'us-east-a-1';
const FOLLOWERS = ['eu-west-b-1', 'ap-south-a-1'];
/** Long enough that the kill, not an acknowledgement timeout, ends the write. */
const SLOW_MS = 60_000;
const READY_TIMEOUT_MS = 180_000;
const DEADLINE_MS = 120_000;

function pickSubject(view: TopologyView): string {
  for (let i = 0; i < 10_000; i++) {
    const sub = `outcome-${i}`;
    const shard = shardOf(sub, view.shardCount);
    const p = view.placement(shard);
    if (view.writePoint(shard).id === LEADER && p.mode === 'sync' && p.replicas.includes('eu-west-b') && p.replicas.includes('ap-south-a')) return sub;
  }
  throw new Error(`the shipped topology has no sync shard led by ${LEADER} with followers in eu-west-b and ap-south-a`);
}

describe('gateway: the outcome of a write whose write-point died after receiving it (real processes)', () => {
  const sub = pickSubject(new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY)));
  let stack: Stack | undefined;
  let cleanup: (() => void) | undefined;
  let token: ((sub: string) => Promise<string>) | undefined;
  let client: Agent | undefined;

  before(async () => {
    const t = await freshTopology((doc) => {
      doc.replication = { ...(doc.replication as Record<string, unknown>), ackTimeoutMs: SLOW_MS };
      const gateway = doc.gateway as Record<string, unknown>;
      gateway.admission = { ...(gateway.admission as Record<string, unknown>), maxEventLoopDelayMs: 2000 };
      doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
      for (const c of doc.commands as Record<string, unknown>[]) if (c.name === 'profile.put') c.timeoutMs = SLOW_MS;
    });
    cleanup = t.cleanup;
    token = (s: string) => signDevToken(t.topology, { sub: s });
    stack = await startStack({
      configPath: t.configPath,
      dataDir: join(t.dir, 'data'),
      logDir: join(t.dir, 'logs'),
      only: (i) => [GATEWAY, LEADER, ...FOLLOWERS].includes(i.id),
      readyTimeoutMs: READY_TIMEOUT_MS,
    });
    client = new Agent({ connections: 4, keepAliveTimeout: 2000 });
  });
  after(async () => {
    try {
      for (const id of FOLLOWERS) stack?.supervisor.get(id)?.kill('SIGCONT');
      await client?.close();
      await stack?.stop();
    } finally {
      cleanup?.();
    }
  });

  it('answers 502 SETGATE_GW_WRITE_OUTCOME_UNKNOWN, and the write turns out applied', async (t) => {
    const s = stack as Stack;
    const gw = s.url(GATEWAY);
    const auth = { authorization: `Bearer ${await (token as (x: string) => Promise<string>)(sub)}` };
    const shard = shardOf(sub, s.view.shardCount);
    const leaderAdmin = s.view.node(LEADER)?.adminUrl as string;
    const leaderLsn = async (): Promise<number> => {
      const res = await request(`${leaderAdmin}/status`, { dispatcher: client, headersTimeout: 10_000, bodyTimeout: 10_000 });
      const status = (await res.body.json()) as { shards: Array<{ shard: number; lsn: number }> };
      return status.shards.find((x) => x.shard === shard)?.lsn ?? 0;
    };
    const put = (name: string, headers: Record<string, string> = {}) =>
      request(`${gw}/v1/profile`, {
        method: 'PUT',
        body: JSON.stringify({ displayName: name, locale: 'en-GB' }),
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        dispatcher: client,
        headersTimeout: SLOW_MS * 2,
        bodyTimeout: SLOW_MS * 2,
      });

    const first = await put('first');
    const firstText = await first.body.text();
    assert.ok(first.statusCode >= 200 && first.statusCode < 300, `${first.statusCode} ${firstText}`);
    const before = await leaderLsn();

    const name = `maybe-${Date.now()}`;
    for (const id of FOLLOWERS) s.supervisor.get(id)?.kill('SIGSTOP');
    const pending = put(name);
    const deadline = performance.now() + DEADLINE_MS;
    while ((await leaderLsn()) <= before) {
      assert.ok(performance.now() < deadline, 'the leader never appended the write');
      await sleep(50);
    }
    const leader = s.supervisor.get(LEADER);
    assert.ok(leader);
    leader.kill('SIGKILL');
    await leader.exited;

    const res = await pending;
    const text = await res.body.text();
    assert.equal(res.statusCode, 502, text);
    const problem = JSON.parse(text) as Record<string, unknown>;
    assert.equal(problem.code, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN', text);
    assert.equal(problem.mayHaveBeenApplied, true);
    assert.match(String(problem.detail), /may have been applied/);

    t.diagnostic(`answer to the write whose leader was killed: ${res.statusCode} ${String(problem.detail)}`);
    // It may have been applied, and it was: the leader restarts in place with its log.
    for (const id of FOLLOWERS) s.supervisor.get(id)?.kill('SIGCONT');
    await s.restart(LEADER);
    for (;;) {
      const read = await request(`${gw}/v1/profile`, {
        headers: auth,
        dispatcher: client,
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
      const body = await read.body.text();
      if (read.statusCode === 200 && body.includes(name)) break;
      assert.ok(performance.now() < deadline + DEADLINE_MS, `the write never became visible: ${read.statusCode} ${body} (node ${String(read.headers[Header.node])})`);
      await sleep(200);
    }
  });
});
