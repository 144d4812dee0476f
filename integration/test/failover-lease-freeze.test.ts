import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { NodeRef } from '@setgate/topology';
import { Agent } from 'undici';
import { controlPlane, type DirectAnswer, keyOn, knownFailoverFields, startFailoverStack, until, writeDirect, writeUntilOk } from './failover-fixture.js';
import type { TestStack } from './harness.js';

/**
 * Issue 11, finding 2: a write-point frozen with SIGSTOP across its own
 * failover must admit nothing at its old epoch once it resumes — neither the
 * writes that reached its socket while it was frozen nor those sent right
 * after SIGCONT — on a sync shard (0) and an async one (6), both led by the
 * victim. Before the fix, the long-poll answer that sat in its socket renewed
 * its lease on arrival, so writes were admitted (async: acknowledged) at the
 * old epoch after the new leader had been published.
 *
 * Acceptable answers from the old leader: 503 SETGATE_NODE_LEASE_EXPIRED (not
 * written), 421 not the write-point / 409 stale epoch / 503 fenced (it has
 * learnt the new version). Anything acknowledged (2xx) or appended-but-
 * unconfirmed (SETGATE_NODE_REPLICATION_TIMEOUT, _LEASE_LOST_UNCONFIRMED) is
 * a write appended at the old epoch after the promotion: the test fails.
 */
const VICTIM = 'us-east-a-1';
const SYNC_SHARD = 0;
const ASYNC_SHARD = 6;
const GATEWAYS = ['us-east-gw-1', 'eu-west-gw-1'];
const NOT_APPENDED = new Set(['SETGATE_NODE_LEASE_EXPIRED', 'SETGATE_NODE_NOT_WRITE_POINT', 'SETGATE_NODE_STALE_EPOCH', 'SETGATE_NODE_FENCED', 'SETGATE_NODE_NOT_ENOUGH_REPLICAS']);

describe('a write-point frozen (SIGSTOP) across its failover admits nothing at its old epoch after SIGCONT (real processes)', () => {
  let stack: TestStack | undefined;
  before(async () => {
    stack = await startFailoverStack(
      (i) => i.kind === 'set-runtime' || GATEWAYS.includes(i.id),
      (doc) => {
        doc.replication = { leaseMs: 4000, ackTimeoutMs: 1000 };
        doc.failover = knownFailoverFields({ paused: false, probeIntervalMs: 250, downAfterMs: 1000, slowDownAfterMs: 1500, startupGraceMs: 1000 });
        const placements = doc.placements as Array<{ shard: number; mode: string; minInsync: number }>;
        const p = placements.find((x) => x.shard === ASYNC_SHARD);
        if (p) Object.assign(p, { mode: 'async', minInsync: 0 });
      },
    );
  });
  after(async () => {
    stack?.supervisor.get(VICTIM)?.kill('SIGCONT');
    await stack?.close();
  });

  it('refuses, after resuming, every write at its old epoch on the sync and the async shard', async (t) => {
    const s = stack as TestStack;
    const cp = controlPlane(s);
    const start = await cp.current();
    const victim = start.view.node(VICTIM) as NodeRef;
    for (const shard of [SYNC_SHARD, ASYNC_SHARD]) assert.equal(start.view.writePoint(shard).id, VICTIM);
    assert.equal(start.view.placement(ASYNC_SHARD).mode, 'async');
    await until('every write-point seen up', async () => (await cp.controller()).nodes.filter((n) => n.state === 'up').length === 6, 240_000);
    // Both shards take writes on the victim before the freeze (its lease and in-sync followers are in place).
    for (const shard of [SYNC_SHARD, ASYNC_SHARD]) {
      const key = keyOn(shard, start.view.shardCount, `warm-${shard}`);
      await writeUntilOk(victim, shard, key, s.internalToken, 120_000);
    }
    // Let the startup grace pass (1 s after every node was seen).
    await sleep(1500);

    const client = new Agent({ connections: 16, keepAliveTimeout: 60_000 });
    const pending: Array<Promise<DirectAnswer>> = [];
    let n = 0;
    const send = () => {
      for (const shard of [SYNC_SHARD, ASYNC_SHARD]) pending.push(writeDirect(victim, shard, keyOn(shard, start.view.shardCount, `frozen-${shard}`, n++ * 1000), { v: n }, s.internalToken, client));
    };
    s.supervisor.get(VICTIM)?.kill('SIGSTOP');
    const frozenAt = performance.now();
    // Writes that reach its socket while it is frozen: served (or not) the moment it resumes.
    for (let i = 0; i < 4; i++) {
      send();
      await sleep(100);
    }
    const promoted = await until(
      'the controller to publish new leaders for the frozen node',
      async () => {
        const c = await cp.current();
        return c.view.writePoint(SYNC_SHARD).id !== VICTIM && c.view.writePoint(ASYNC_SHARD).id !== VICTIM ? c : undefined;
      },
      60_000,
    );
    const publishedMs = performance.now() - frozenAt;
    for (let i = 0; i < 4; i++) {
      send();
      await sleep(100);
    }
    s.supervisor.get(VICTIM)?.kill('SIGCONT');
    const resumedAt = performance.now();
    // And writes sent right after it resumed, while it may still believe it leads.
    while (performance.now() - resumedAt < 1500) {
      send();
      await sleep(25);
    }
    const answers = await Promise.all(pending);
    await client.close();

    const byCode = new Map<string, number>();
    for (const a of answers) byCode.set(`${a.status} ${a.code ?? ''}`.trim(), (byCode.get(`${a.status} ${a.code ?? ''}`.trim()) ?? 0) + 1);
    const summary = `published ${publishedMs.toFixed(0)} ms after SIGSTOP (version ${promoted.version}); ${answers.length} direct writes to the frozen/resumed old leader: ${[...byCode].map(([k, v]) => `${k}×${v}`).join(', ')}`;
    t.diagnostic(summary);
    const admitted = answers.filter((a) => a.status > 0 && !NOT_APPENDED.has(a.code ?? ''));
    assert.deepEqual(
      admitted.map((a) => `${a.key}: ${a.status} ${a.code ?? ''}`),
      [],
      `writes admitted at the old epoch after the promotion (${summary})`,
    );
    assert.ok(answers.some((a) => a.status > 0), 'the old leader answered after SIGCONT');

    // The new leaders hold none of those keys, and take writes.
    for (const shard of [SYNC_SHARD, ASYNC_SHARD]) {
      const leader = promoted.view.writePoint(shard);
      const key = keyOn(shard, start.view.shardCount, `after-${shard}`);
      await writeUntilOk(leader, shard, key, s.internalToken, 120_000);
    }
    const history = await cp.history(5);
    const failover = history.find((h) => h.version === promoted.version);
    t.diagnostic(`audit: ${failover?.reason ?? '(none)'}`);
  });
});
