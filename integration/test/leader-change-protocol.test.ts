import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DEV_ADMIN_TOKENS } from '@setgate/launcher';
import { type NodeRef, shardOf, TopologyView } from '@setgate/topology';
import { request } from 'undici';
import { startTestStack, type TestStack, until } from './harness.js';
import { nodeAuth } from './node-auth.js';

/**
 * Every leader change goes through the one leader-change protocol, rollback
 * included: a rollback that would hand a shard back to a replica that lacks
 * acknowledged writes is refused (409, each shard with its reason), and an
 * operator can force it only explicitly, audited with how many acknowledged
 * writes may be lost. Real set-runtime nodes and control plane; the failover
 * controller is paused so that the stopped node is not failed over meanwhile.
 */
const SHARD = 0;
/** Shard 0's seed leader; after the planned move it is a follower, then stopped while writes go on. */
const LAGGING = 'us-east-a-1';
const MOVE_TO = 'eu-west-b';
const WRITES_WHILE_STOPPED = 30;

type Role = keyof typeof DEV_ADMIN_TOKENS;

interface ShardRefusal {
  shard: number;
  fromNode: string;
  toNode: string;
  code: string;
  reason: string;
}
interface LeaderChange {
  shard: number;
  fromNode: string;
  toNode: string;
  clean: boolean;
  forced?: boolean;
  mayBeLost?: number;
  oldLeaderAt?: { epoch: number; lsn: number };
  newLeaderAt?: { epoch: number; lsn: number };
}


describe('leader-change protocol on rollback (real processes)', () => {
  let stack: TestStack | undefined;
  let api: string;

  async function call<T>(method: 'GET' | 'POST', path: string, role: Role, body?: unknown) {
    const res = await request(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKENS[role]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const current = async () => {
    const r = await call<{ version: number; document: never }>('GET', '/v1/config', 'viewer');
    return { version: r.body.version, view: new TopologyView(r.body.document) };
  };
  const put = async (node: NodeRef, key: string) => {
    const res = await request(`${node.url}/state/${SHARD}/${key}`, {
      method: 'PUT',
      body: JSON.stringify({ key }),
      headers: { 'content-type': 'application/json', ...nodeAuth(stack as TestStack) },
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) lastRefusal = `${res.statusCode} ${text.slice(0, 300)}`;
    return res.statusCode;
  };
  let lastRefusal = '';

  before(async () => {
    stack = await startTestStack({
      only: (i) => i.kind === 'set-runtime',
      edit: (doc) => {
        doc.failover = { paused: true };
      },
      readyTimeoutMs: 300_000,
    });
    api = stack.controlPlaneUrl as string;
  });
  after(async () => {
    stack?.supervisor.get(LAGGING)?.kill('SIGCONT');
    await stack?.close();
  });

  it('refuses a rollback onto a replica that lacks acknowledged writes; a forced one is audited with the loss', async (t) => {
    const s = stack as TestStack;
    const seed = await current();
    assert.equal(seed.view.writePoint(SHARD).id, LAGGING);
    const keys = (function* () {
      for (let i = 0; ; i++) if (shardOf(`lcp-${i}`, seed.view.shardCount) === SHARD) yield `lcp-${i}`;
    })();

    // Version 2 by a planned move (clean): shard 0 leaves LAGGING, which keeps following it.
    const move = await call<{ id: string }>('POST', `/v1/ops/shards/${SHARD}/move`, 'operator', { to: MOVE_TO, reason: 'protocol test: move away' });
    assert.equal(move.status, 202, JSON.stringify(move.body));
    const op = await until(
      'the move to finish',
      async () => {
        const o = (await call<{ state: string; error?: unknown }>('GET', `/v1/ops/operations/${move.body.id}`, 'viewer')).body;
        return o.state !== 'running' ? o : undefined;
      },
      30_000,
    );
    assert.equal(op.state, 'succeeded', JSON.stringify(op));
    const moved = await current();
    const leader = moved.view.writePoint(SHARD);
    assert.equal(leader.set, MOVE_TO);
    for (let i = 0; i < 10; i++) {
      const key = keys.next().value as string;
      await until(`write ${key} accepted (last refusal: ${lastRefusal})`, async () => ((await put(leader, key)) < 300 ? 201 : undefined), 15_000).catch((err) => {
        throw new Error(`${(err as Error).message}; last refusal: ${lastRefusal}`);
      });
    }

    // LAGGING stops; writes go on, acknowledged by the leader and its other in-sync follower only.
    s.supervisor.get(LAGGING)?.kill('SIGSTOP');
    const whileStopped: string[] = [];
    while (whileStopped.length < WRITES_WHILE_STOPPED) {
      const key = keys.next().value as string;
      const status = await put(leader, key);
      if (status < 300) whileStopped.push(key);
      else await sleep(50);
    }

    // Rolling back to version 1 would make LAGGING the write-point of shard 0 again.
    const refused = await call<{ code: string; shards: ShardRefusal[] }>('POST', '/v1/config/rollback', 'operator', {
      to: 1,
      baseVersion: moved.version,
      reason: 'protocol test: unsafe rollback',
    });
    assert.equal(refused.status, 409, `a rollback onto a lagging replica must be refused: ${JSON.stringify(refused.body)}`);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(refused.body.code, 'SETGATE_CP_LEADER_CHANGE_REFUSED');
    assert.equal(refused.body.shards.length, 1, JSON.stringify(refused.body.shards));
    const why = refused.body.shards[0] as ShardRefusal;
    assert.equal(why.shard, SHARD);
    assert.equal(why.fromNode, leader.id);
    assert.equal(why.toNode, LAGGING);
    assert.match(why.code, /^(TARGET_UNREACHABLE|TARGET_BEHIND)$/);
    assert.equal((await current()).version, moved.version, 'nothing published');
    // The refusal fenced nothing for good: the leader still takes writes.
    assert.ok((await put(leader, keys.next().value as string)) < 300, 'the leader still accepts writes after the refusal');

    // Forced: published, audited, with what may be lost.
    const forced = await call<{ version: number; leaderChanges: LeaderChange[] }>('POST', '/v1/config/rollback', 'operator', {
      to: 1,
      baseVersion: moved.version,
      reason: 'protocol test: forced rollback',
      forceUnclean: true,
    });
    assert.equal(forced.status, 201, JSON.stringify(forced.body));
    const change = forced.body.leaderChanges.find((c) => c.shard === SHARD) as LeaderChange;
    assert.equal(change.toNode, LAGGING);
    assert.equal(change.clean, false);
    assert.equal(change.forced, true);
    assert.ok((change.mayBeLost ?? 0) >= WRITES_WHILE_STOPPED, `at least the ${WRITES_WHILE_STOPPED} writes acknowledged while stopped may be lost: ${JSON.stringify(change)}`);
    const history = await call<{ versions: Array<{ version: number; author: string; reason: string; leaderChanges?: LeaderChange[]; forced?: boolean }> }>(
      'GET',
      '/v1/config/history?limit=3',
      'viewer',
    );
    const audit = history.body.versions.find((v) => v.version === forced.body.version);
    assert.ok(audit, 'the forced rollback is in the history');
    assert.equal(audit.forced, true);
    assert.deepEqual(audit.leaderChanges?.find((c) => c.shard === SHARD)?.mayBeLost, change.mayBeLost);

    // LAGGING resumes as write-point: the writes it never had are gone, and no more than the figure said.
    s.supervisor.get(LAGGING)?.kill('SIGCONT');
    const lagging = s.view.node(LAGGING) as NodeRef;
    await until(
      `${LAGGING} to lead shard ${SHARD} at the new epoch`,
      async () => {
        const st = (await (await request(`${lagging.adminUrl}/status`)).body.json()) as { shards: Array<{ shard: number; role: string; epoch: number }> };
        const sh = st.shards.find((x) => x.shard === SHARD);
        return sh?.role === 'leader' && sh.epoch > moved.view.placement(SHARD).epoch;
      },
      30_000,
    );
    let missing = 0;
    for (const key of whileStopped) {
      const res = await request(`${lagging.url}/state/${SHARD}/${key}`, { headers: nodeAuth(s) });
      await res.body.dump();
      if (res.statusCode !== 200) missing++;
    }
    t.diagnostic(`refused: ${why.code} (${why.reason}); forced: mayBeLost ${change.mayBeLost}, acknowledged writes really missing on ${LAGGING}: ${missing}`);
    assert.ok(missing > 0, 'the forced promotion really was unclean');
    assert.ok(missing <= (change.mayBeLost ?? 0), `missing ${missing} ≤ reported ${change.mayBeLost}`);
  });
});
