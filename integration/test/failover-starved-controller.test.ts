import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { controlPlane, startFailoverStack, until } from './failover-fixture.js';
import type { TestStack } from './harness.js';

/**
 * Issue 11, finding 3: on a machine kept busy, a stack that is only slow is
 * never failed over. The stack runs with the DEFAULT failover and replication
 * timings (the ones `npm start` uses: checks every 250 ms, down after 1 s by
 * a quorum of witnesses, lease 2 s) beside two CPU-bound processes
 * (`yes > /dev/null`, one per core of this 2-core machine) and a light write
 * load through the gateways; no fault is injected. Over the observation
 * period no failover version may appear and no node may be declared down.
 */
const OBSERVE_MS = 30_000;
const GATEWAYS = ['us-east-gw-1', 'eu-west-gw-1', 'ap-south-gw-1'];

describe('failover controller beside two CPU-bound processes, no fault: 0 failovers (real processes)', () => {
  let stack: TestStack | undefined;
  const hogs: ChildProcess[] = [];
  before(async () => {
    stack = await startFailoverStack((i) => i.kind === 'set-runtime' || GATEWAYS.includes(i.id));
  });
  after(async () => {
    for (const h of hogs) if (h.pid !== undefined && h.exitCode === null) process.kill(h.pid, 'SIGKILL');
    await stack?.close();
  });

  it('moves no leader and declares no node down over the observation period', async (t) => {
    const s = stack as TestStack;
    const cp = controlPlane(s);
    const start = await cp.current();
    await until('every write-point seen up', async () => (await cp.controller()).nodes.filter((n) => n.state === 'up').length === 6, 240_000);

    // `exec` makes the shell become `yes`: the PID killed in after() is the CPU hog itself.
    for (let i = 0; i < 2; i++) hogs.push(spawn('sh', ['-c', 'exec yes > /dev/null'], { stdio: 'ignore' }));
    const client = new Agent({ connections: 4 });
    const token = await s.token('starved-user');
    let writes = 0;
    let failed = 0;
    let running = true;
    const writer = async (gateway: string) => {
      for (let i = 0; running; i++) {
        try {
          const res = await request(`${s.url(gateway)}/v1/profile`, {
            method: 'PUT',
            dispatcher: client,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ displayName: `${gateway}-${i}` }),
          });
          await res.body.dump();
          if (res.statusCode < 300) writes++;
          else failed++;
        } catch {
          failed++;
        }
        await sleep(100);
      }
    };
    const load = Promise.all(GATEWAYS.map(writer));
    const suspects = new Set<string>();
    const began = performance.now();
    try {
      while (performance.now() - began < OBSERVE_MS) {
        const c = await cp.controller().catch(() => undefined);
        for (const n of c?.nodes ?? []) {
          if (n.state !== 'up') suspects.add(`${n.node}:${n.state}`);
          assert.notEqual(n.state, 'down', `${n.node} declared down with no fault: ${JSON.stringify(n)}`);
        }
        await sleep(250);
      }
    } finally {
      running = false;
      await load;
      await client.close();
    }
    const history = await cp.history(50);
    const failovers = history.filter((h) => h.version > start.version && h.author === 'failover-controller');
    const status = await cp.controller();
    t.diagnostic(
      `observed ${OBSERVE_MS} ms beside 2 × yes: ${writes} writes ok, ${failed} failed; nodes seen not-up at some check: ${[...suspects].join(', ') || 'none'}; ` +
        `controller lag ${JSON.stringify((status as { witnesses?: unknown }).witnesses ?? {})}; versions after start: ${history.filter((h) => h.version > start.version).length}`,
    );
    assert.deepEqual(failovers.map((f) => f.reason), [], 'no failover without a fault');
    assert.equal((await cp.current()).version, start.version);
    assert.ok(writes > 0, 'the stack kept serving writes');
  });
});
