import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { GatewayHealth, type HealthTransition } from '../../src/health/gateway-health.js';
import { HealthChecker, nextCheckInMs } from '../../src/health/health-checker.js';
import { deadGateway, startGatewayStub } from '../helpers/gateway-stub.js';

const THRESHOLDS = { healthyThreshold: 3, unhealthyThreshold: 2, passiveFailures: 3 };
const TIMING = { intervalMs: 50, timeoutMs: 200 };

/** Waits (without a deadline of its own: the test runner's timeout bounds it) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(10);
}

describe('HealthChecker', () => {
  const stops: Array<() => Promise<void>> = [];
  after(async () => {
    for (const stop of stops) await stop();
  });

  it('takes a gateway out after failed probes and back in after healthyThreshold good ones', async () => {
    const stub = await startGatewayStub('us-east-gw-1');
    stops.push(stub.close);
    const transitions: HealthTransition[] = [];
    const health = new GatewayHealth(stub.id, 'us-east', THRESHOLDS, (t) => transitions.push(t));
    const checker = new HealthChecker([{ healthUrl: stub.healthUrl, health }], TIMING);
    stops.push(() => checker.stop());
    checker.start();

    await until(() => stub.probes >= 2);
    assert.equal(health.healthy, true);

    stub.healthStatus = 503;
    await until(() => !health.healthy);
    assert.match(transitions[0]?.reason ?? '', /status 503/);

    stub.healthStatus = 200;
    const probesAtRecovery = stub.probes;
    await until(() => health.healthy);
    assert.ok(stub.probes - probesAtRecovery >= THRESHOLDS.healthyThreshold, 'back only after a streak of good probes');
    assert.deepEqual(
      transitions.map((t) => t.to),
      ['unhealthy', 'healthy'],
    );
    assert.equal(stub.received.length, 0, 'probes hit the health route only');
  });

  it('counts a refused connection and a probe that outlives its timeout as failures', async () => {
    const dead = await deadGateway();
    // Accepts probes and never answers them.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          silent.closeAllConnections();
          silent.close(() => resolve());
        }),
    );
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/_setgate/health`;
    const refused = new GatewayHealth('dead', 'us-east', THRESHOLDS, () => {});
    const hanging = new GatewayHealth('silent', 'us-east', THRESHOLDS, () => {});
    const checker = new HealthChecker(
      [
        { healthUrl: dead.healthUrl, health: refused },
        { healthUrl: silentUrl, health: hanging },
      ],
      TIMING,
    );
    stops.push(() => checker.stop());
    checker.start();
    await until(() => !refused.healthy && !hanging.healthy);
    assert.match(refused.status().lastCheck?.error ?? '', /ECONNREFUSED/);
    assert.match(hanging.status().lastCheck?.error ?? '', /Timeout|TIMEOUT/);
  });

  it('stops probing once stopped', async () => {
    const stub = await startGatewayStub('us-east-gw-3');
    stops.push(stub.close);
    const checker = new HealthChecker(
      [{ healthUrl: stub.healthUrl, health: new GatewayHealth(stub.id, 'us-east', THRESHOLDS, () => {}) }],
      TIMING,
    );
    checker.start();
    await until(() => stub.probes >= 1);
    await checker.stop();
    const probes = stub.probes;
    await sleep(TIMING.intervalMs * 4);
    assert.equal(stub.probes, probes);
  });
});

describe('the no-traffic interval', () => {
  const timing = { intervalMs: 1000, timeoutMs: 500, noTrafficIntervalMs: 5000 };
  const gateway = (healthy: boolean, idleForMs: number, lastCheckFailed = false) => ({ healthy, lastCheckFailed, idleForMs: () => idleForMs });

  it('checks a healthy gateway idle for the no-traffic interval that slowly', () => {
    assert.equal(nextCheckInMs(gateway(true, Number.POSITIVE_INFINITY), timing), 5000, 'never carried a request');
    assert.equal(nextCheckInMs(gateway(true, 5000), timing), 5000);
  });

  it('checks every intervalMs a gateway with recent traffic, an unhealthy one, or when no slower interval is set', () => {
    assert.equal(nextCheckInMs(gateway(true, 4999), timing), 1000, 'carried a request within the no-traffic interval');
    assert.equal(nextCheckInMs(gateway(false, Number.POSITIVE_INFINITY), timing), 1000, 'an unhealthy gateway must prove it is back');
    assert.equal(nextCheckInMs(gateway(true, Number.POSITIVE_INFINITY, true), timing), 1000, 'a failed check is confirmed or cleared soon');
    assert.equal(nextCheckInMs(gateway(true, Number.POSITIVE_INFINITY), { intervalMs: 1000, timeoutMs: 500 }), 1000);
    assert.equal(nextCheckInMs(gateway(true, Number.POSITIVE_INFINITY), { ...timing, noTrafficIntervalMs: 500 }), 1000, 'never faster than intervalMs');
  });

  it('a gateway that dies while idle is found after one slow interval and then fast checks', async () => {
    const dead = await deadGateway();
    const transitions: HealthTransition[] = [];
    const health = new GatewayHealth('gw-dead', 'r', { healthyThreshold: 1, unhealthyThreshold: 2, passiveFailures: 3 }, (t) => transitions.push(t));
    // The slow interval is far longer than any test waits: only the fast recheck after a failure can take it out.
    const checker = new HealthChecker([{ healthUrl: dead.healthUrl, health }], { intervalMs: 50, timeoutMs: 200, noTrafficIntervalMs: 600_000 });
    checker.start();
    try {
      const deadline = Date.now() + 60_000;
      while (health.healthy && Date.now() < deadline) await sleep(20);
      assert.equal(health.healthy, false, 'two failed checks in a row, the second one intervalMs after the first');
      assert.equal(transitions.length, 1);
    } finally {
      await checker.stop();
    }
  });

  it('a forwarded request, served or failed, ends the idle spell', () => {
    const health = new GatewayHealth('gw-1', 'r', { healthyThreshold: 1, unhealthyThreshold: 1, passiveFailures: 3 }, () => {});
    assert.equal(health.idleForMs(), Number.POSITIVE_INFINITY);
    health.requestSucceeded();
    assert.ok(health.idleForMs() < 1000);
    const later = performance.now() + 10_000;
    assert.ok(health.idleForMs(later) >= 10_000);
    health.requestFailed('connection');
    assert.ok(health.idleForMs() < 1000);
  });
});
