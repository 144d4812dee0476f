import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlapGuard } from '../../src/control-plane/failover/flap-guard.js';
import { LeaseGrants } from '../../src/control-plane/failover/lease-grants.js';
import { NodeHealth } from '../../src/control-plane/failover/node-health.js';
import { judgeVotes, type WitnessVote } from '../../src/control-plane/failover/witness.js';

const vote = (witness: string, region: string, verdict: WitnessVote['verdict'], failure?: WitnessVote['failure']): WitnessVote => ({
  witness,
  region,
  verdict,
  ...(failure ? { failure } : {}),
});

describe('witness quorum (judgeVotes)', () => {
  it('a lone observer is never a quorum: witnesses that cannot be asked cast no vote', () => {
    const v = judgeVotes([vote('control-plane', 'control-plane', 'down', 'refused'), vote('us-east-gw-1', 'us-east', 'abstain'), vote('eu-west-gw-1', 'eu-west', 'abstain')], 2, 2);
    assert.equal(v.down, false);
    assert.deepEqual([v.downVotes, v.upVotes, v.abstained], [1, 0, 2]);
  });

  it('two witnesses in two regions agreeing make a quorum; two in one region do not', () => {
    assert.equal(judgeVotes([vote('control-plane', 'control-plane', 'down', 'refused'), vote('eu-west-gw-1', 'eu-west', 'down', 'refused')], 2, 2).down, true);
    assert.equal(judgeVotes([vote('us-east-gw-1', 'us-east', 'down', 'refused'), vote('us-east-gw-2', 'us-east', 'down', 'refused')], 2, 2).down, false);
  });

  it('more witnesses reaching the node than not keep it up (one-way partition, a starved controller)', () => {
    const v = judgeVotes(
      [vote('control-plane', 'control-plane', 'down', 'timeout'), vote('us-east-gw-1', 'us-east', 'down', 'timeout'), vote('eu-west-gw-1', 'eu-west', 'up'), vote('ap-south-gw-1', 'ap-south', 'up')],
      2,
      2,
    );
    assert.equal(v.down, false);
    assert.equal(v.slow, true, 'timeouts, not refusals');
  });
});

describe('down threshold (NodeHealth.recordFailure)', () => {
  const refused = judgeVotes([vote('control-plane', 'control-plane', 'down', 'refused'), vote('eu-west-gw-1', 'eu-west', 'down', 'refused')], 2, 2);
  const reset = judgeVotes([vote('control-plane', 'control-plane', 'down', 'error'), vote('eu-west-gw-1', 'eu-west', 'down', 'refused')], 2, 2);
  const timedOut = judgeVotes([vote('control-plane', 'control-plane', 'down', 'timeout'), vote('eu-west-gw-1', 'eu-west', 'down', 'timeout')], 2, 2);
  const up = (h: NodeHealth, at: number) => h.recordOk({ node: 'n', configVersion: 1, shards: [] }, at);

  it('a killed node (one reset of a pooled connection, then refusals) is down after downAfterMs, not the slow threshold', () => {
    // Regression (drill, kill-write-point): the first round's reset made the whole run "slow" and every failover waited 5 s.
    const h = new NodeHealth(0);
    up(h, 0);
    assert.equal(h.recordFailure('reset', 1000, 1500, reset, 5000), false);
    assert.equal(h.recordFailure('refused', 1250, 1500, refused, 5000), false);
    assert.equal(h.recordFailure('refused', 1500, 1500, refused, 5000), false);
    assert.equal(h.recordFailure('refused', 2500, 1500, refused, 5000), true);
    assert.equal(h.state, 'down');
  });

  it('a node whose checks time out is down only after slowDownAfterMs', () => {
    const h = new NodeHealth(0);
    up(h, 0);
    for (const t of [1000, 1500, 2000, 3000, 5500]) assert.equal(h.recordFailure('timeout', t, 1500, timedOut, 5000), false, `not down at ${t}`);
    assert.equal(h.recordFailure('timeout', 6000, 1500, timedOut, 5000), true);
  });
});

describe('lease grants (control-plane side of the write-point lease)', () => {
  it('assumes a grant at its own start, records answers, and after a revocation the last grant stops moving', () => {
    const clock = { t: 10_000 };
    const g = new LeaseGrants(() => clock.t);
    assert.equal(g.surelyExpiredInMs('a', 2500, 250), 2750, 'a control plane just started assumes it granted everyone a lease now');
    clock.t = 11_000;
    assert.equal(g.answer('a'), 'granted');
    clock.t = 12_000;
    g.revoke('a', 'down');
    clock.t = 12_500;
    assert.equal(g.answer('a'), 'revoked', 'a revoked node is told so');
    assert.equal(g.lastGrant('a'), 11_000, 'and that answer is no grant');
    assert.equal(g.surelyExpiredInMs('a', 2500, 250), 11_000 + 2750 - 12_500);
    clock.t = 13_750;
    assert.equal(g.surelyExpiredInMs('a', 2500, 250), 0);
    g.restore('a');
    assert.equal(g.answer('a'), 'granted');
    assert.equal(g.view('a').revoked, false);
  });
});

describe('flap guard', () => {
  it('opens the startup grace only once every node was seen and the grace passed since the last one', () => {
    const f = new FlapGuard(0);
    assert.equal(f.startup(10_000, 5000, ['n1']).open, false, 'a node never seen keeps it closed');
    f.observe({ doc: { placements: [] }, writePoint: () => ({ id: 'x' }) } as never, 12_000, true);
    assert.deepEqual(f.startup(14_000, 5000, []), { open: false, graceMs: 5000, waitingFor: [], remainingMs: 3000 });
    assert.equal(f.startup(17_000, 5000, []).open, true);
    assert.equal(new FlapGuard(0).startup(50_000, 5000, ['n1']).open, true, 'at most ten grace periods for a node that never comes');
  });

  it('holds a shard down after its leader changed and caps failovers per minute', () => {
    const f = new FlapGuard(0);
    const view = (leader: string) => ({ doc: { placements: [{ shard: 3 }] }, writePoint: () => ({ id: leader }) }) as never;
    f.observe(view('a'), 0, false);
    f.observe(view('b'), 1000, false);
    assert.equal(f.heldDownFor(3, 11_000, 30_000), 20_000);
    assert.equal(f.heldDownFor(3, 31_000, 30_000), 0);
    f.record(40_000, 2, [5]);
    assert.equal(f.recent(60_000), 2);
    assert.equal(f.recent(100_001), 0);
  });
});
