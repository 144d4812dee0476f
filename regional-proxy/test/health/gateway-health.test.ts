import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayHealth, type HealthTransition } from '../../src/health/gateway-health.js';

function gateway(thresholds = { healthyThreshold: 3, unhealthyThreshold: 2, passiveFailures: 3 }) {
  const transitions: HealthTransition[] = [];
  const health = new GatewayHealth('us-east-gw-1', 'us-east', thresholds, (t) => transitions.push(t));
  return { health, transitions };
}

describe('GatewayHealth', () => {
  it('starts healthy and goes down after unhealthyThreshold failed checks in a row', () => {
    const { health, transitions } = gateway();
    assert.equal(health.healthy, true);
    health.checkFailed('ECONNREFUSED');
    health.checkSucceeded();
    health.checkFailed('ECONNREFUSED');
    assert.equal(health.healthy, true, 'a success in between restarts the count');
    health.checkFailed('status 503');
    assert.equal(health.healthy, false);
    assert.equal(transitions.length, 1);
    assert.equal(transitions[0]?.to, 'unhealthy');
    assert.match(transitions[0]?.reason ?? '', /2 failed checks in a row: status 503/);
  });

  it('goes down after passiveFailures failed requests in a row, without waiting for a check', () => {
    const { health } = gateway();
    health.requestFailed('connection');
    health.requestFailed('timeout');
    health.requestSucceeded();
    health.requestFailed('connection');
    health.requestFailed('connection');
    assert.equal(health.healthy, true);
    health.requestFailed('connection');
    assert.equal(health.healthy, false);
    assert.match(health.status().reason ?? '', /3 failed requests in a row/);
  });

  it('comes back only after healthyThreshold successful checks in a row (hysteresis)', () => {
    const { health, transitions } = gateway();
    health.checkFailed('x');
    health.checkFailed('x');
    assert.equal(health.healthy, false);
    health.checkSucceeded();
    health.checkSucceeded();
    health.checkFailed('x');
    assert.equal(health.status().recoveryStreak, 0, 'a failure restarts the streak');
    health.checkSucceeded();
    health.checkSucceeded();
    assert.equal(health.healthy, false);
    health.requestSucceeded();
    assert.equal(health.healthy, false, 'a straggler request does not count toward recovery');
    health.checkSucceeded();
    assert.equal(health.healthy, true);
    assert.deepEqual(
      transitions.map((t) => t.to),
      ['unhealthy', 'healthy'],
    );
  });

  it('a failed request while down restarts the recovery streak', () => {
    const { health } = gateway();
    for (let i = 0; i < 3; i++) health.requestFailed('connection');
    health.checkSucceeded();
    health.checkSucceeded();
    health.requestFailed('connection');
    health.checkSucceeded();
    health.checkSucceeded();
    assert.equal(health.healthy, false);
    health.checkSucceeded();
    assert.equal(health.healthy, true);
  });

  it('reports its counters and last check in status', () => {
    const { health } = gateway();
    health.checkFailed('ETIMEDOUT');
    const s = health.status();
    assert.equal(s.state, 'healthy');
    assert.equal(s.consecutiveCheckFailures, 1);
    assert.equal(s.lastCheck?.ok, false);
    assert.equal(s.lastCheck?.error, 'ETIMEDOUT');
  });
});
