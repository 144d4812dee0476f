import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { controlPlane, startFailoverStack, until } from './failover-fixture.js';
import type { TestStack } from './harness.js';

/**
 * Issue 11, finding 3 (witness quorum): a write-point is down only when a
 * quorum of witnesses in ≥ 2 regions agrees. Here the only witnesses besides
 * the controller are two gateways (us-east, eu-west). With both gateways
 * gone, a killed write-point is seen down by the controller alone: its
 * unreachable witnesses cast no vote, so nothing is failed over however long
 * it waits. Once one gateway is back, the controller and that gateway (two
 * regions) agree, and the failover happens with their votes in the audit.
 */
const VICTIM = 'us-east-a-1';
const GATEWAYS = ['us-east-gw-1', 'eu-west-gw-1'];
/** Far past downAfterMs (1 s) + lease (1.5 s) + drift: a lone observer would have failed over by then. */
const LONE_OBSERVER_MS = 8000;

describe('witness quorum: unreachable witnesses are no vote, a lone observer fails nothing over (real processes)', () => {
  let stack: TestStack | undefined;
  before(async () => {
    stack = await startFailoverStack(
      (i) => i.kind === 'set-runtime' || GATEWAYS.includes(i.id),
      (doc) => {
        doc.replication = { leaseMs: 1500, ackTimeoutMs: 1000 };
        doc.failover = { paused: false, probeIntervalMs: 250, downAfterMs: 1000, slowDownAfterMs: 1500, startupGraceMs: 1000 };
      },
    );
  });
  after(() => stack?.close());

  it('holds while only the controller sees the node down, fails over once a gateway in another region agrees', async (t) => {
    const s = stack as TestStack;
    const cp = controlPlane(s);
    const start = await cp.current();
    await until('every write-point seen up', async () => (await cp.controller()).nodes.filter((n) => n.state === 'up').length === 6, 240_000);
    await sleep(1500); // past the startup grace

    for (const g of GATEWAYS) await s.supervisor.get(g)?.stop();
    s.supervisor.get(VICTIM)?.kill('SIGKILL');
    const killedAt = performance.now();
    const seen = await until(
      'the controller to find the victim unreachable and ask the witnesses',
      async () => {
        const n = (await cp.controller()).nodes.find((x) => x.node === VICTIM);
        return n?.votes && n.votes.length > 0 ? n : undefined;
      },
      30_000,
    );
    await sleep(Math.max(0, LONE_OBSERVER_MS - (performance.now() - killedAt)));
    const lone = (await cp.controller()).nodes.find((x) => x.node === VICTIM);
    t.diagnostic(`after ${LONE_OBSERVER_MS} ms alone: state ${lone?.state}; votes ${JSON.stringify(lone?.votes)}`);
    assert.equal((await cp.current()).version, start.version, 'no failover on the controller alone');
    assert.notEqual(lone?.state, 'down');
    const gatewayVotes = (lone?.votes ?? seen.votes ?? []).filter((v) => GATEWAYS.includes(v.witness));
    assert.equal(gatewayVotes.length, GATEWAYS.length);
    for (const v of gatewayVotes) assert.equal(v.verdict, 'abstain', `${v.witness} cannot be asked: no vote (${v.detail})`);

    await s.supervisor.restart('eu-west-gw-1');
    const back = performance.now();
    const promoted = await until(
      'the failover once a second region agrees',
      async () => {
        const c = await cp.current();
        return c.version > start.version ? c : undefined;
      },
      60_000,
    );
    assert.notEqual(promoted.view.writePoint(0).id, VICTIM);
    const record = (await cp.history(5)).find((h) => h.version === promoted.version);
    t.diagnostic(`failed over ${(performance.now() - back).toFixed(0)} ms after eu-west-gw-1 was back; reason: ${record?.reason}`);
    assert.equal(record?.author, 'failover-controller');
    assert.match(record?.reason ?? '', /control-plane@control-plane down \(refused/);
    assert.match(record?.reason ?? '', /eu-west-gw-1@eu-west down \(refused/);
    assert.match(record?.reason ?? '', /us-east-gw-1@us-east no vote/);
  });
});
