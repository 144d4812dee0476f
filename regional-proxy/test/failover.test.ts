import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { createAdminServer } from '@setgate/service-kit';
import { deadGateway, type GatewayStub, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import {
  FAST_HEALTH,
  gatewaysIn,
  type RunningProxy,
  STEADY_HEALTH,
  startProxy,
  testRoutes,
  testTelemetry,
  withPolicy,
} from './helpers/proxy-harness.js';

/** Waits (the test runner's timeout bounds it) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(10);
}

/** cart.summary may only be served in us-east. */
const RESIDENT = (health: object) =>
  testRoutes((doc) => {
    for (const c of doc.commands as Array<{ name: string; residency?: string[] }>) {
      if (c.name === 'cart.summary') c.residency = ['us-east'];
    }
    withPolicy({ health })(doc);
  });

const usEastHealthy = (proxy: RunningProxy) => proxy.app.regionalProxy.status().regions.find((r) => r.region === 'us-east')?.healthy;

describe('failover between regions', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });
  const stub = async (id: string) => {
    const s = await startGatewayStub(id);
    closers.push(s.close);
    return s;
  };
  const proxyWith = async (...args: Parameters<typeof startProxy>) => {
    const p = await startProxy(...args);
    closers.push(p.close);
    return p;
  };

  describe('with every us-east gateway dead', () => {
    let euWest: GatewayStub[];
    it('serves reads from the next nearest region at once, then stops trying the dead one', async () => {
      euWest = [await stub('eu-west-gw-1'), await stub('eu-west-gw-2')];
      const proxy = await proxyWith(
        [...gatewaysIn('us-east', [await deadGateway(), await deadGateway()]), ...gatewaysIn('eu-west', euWest)],
        { routes: testRoutes(withPolicy({})) },
      );
      const res = await proxy.send('/v1/profile');
      assert.equal(res.statusCode, 200, 'the request that met the dead gateways was retried in eu-west');
      assert.equal(res.headers['x-setgate-region'], 'eu-west');
      assert.equal(res.headers['x-setgate-entry-region'], 'us-east');
      await res.body.dump();
      const seen = euWest.flatMap((g) => g.received).find((r) => r.url === '/v1/profile');
      assert.equal(seen?.headers['x-setgate-region'], 'eu-west', 'the gateway is told the region it serves as');
      assert.equal(seen?.headers['x-setgate-entry-region'], 'us-east');

      await until(() => usEastHealthy(proxy) === false);
      const status = proxy.app.regionalProxy.status();
      assert.deepEqual(
        status.regions.map((r) => [r.region, r.healthy]),
        [
          ['us-east', false],
          ['eu-west', true],
        ],
      );
      for (const g of status.regions[0]?.gateways ?? []) assert.equal(g.state, 'unhealthy');
      for (let i = 0; i < 5; i++) {
        const r = await proxy.send('/v1/cart');
        assert.equal(r.headers['x-setgate-region'], 'eu-west');
        await r.body.dump();
      }
    });

    it('retries a write refused by a dead gateway in another region, keyed or not: it never reached the dead one', async () => {
      // Steady health: the dead gateways stay candidates, so every write meets one first.
      // (A write that may have reached a gateway is resent only with a key: write-outcome.test.ts.)
      const proxy = await proxyWith(
        [...gatewaysIn('us-east', [await deadGateway()]), ...gatewaysIn('eu-west', euWest)],
        { routes: testRoutes(withPolicy({ health: STEADY_HEALTH })) },
      );
      const unkeyed = await proxy.send('/v1/cart/items', { method: 'POST', body: '{"sku":"a"}' });
      assert.equal(unkeyed.statusCode, 200);
      assert.equal(unkeyed.headers['x-setgate-region'], 'eu-west');
      await unkeyed.body.dump();
      assert.deepEqual(
        euWest.flatMap((g) => g.received).filter((r) => r.body.toString() === '{"sku":"a"}').length,
        1,
        'delivered once',
      );

      const keyed = await proxy.send('/v1/cart/items', {
        method: 'POST',
        body: '{"sku":"b"}',
        headers: { 'idempotency-key': 'k-1' },
      });
      assert.equal(keyed.statusCode, 200);
      assert.equal(keyed.headers['x-setgate-region'], 'eu-west');
      await keyed.body.dump();
      const delivered = euWest.flatMap((g) => g.received).filter((r) => r.headers['idempotency-key'] === 'k-1');
      assert.deepEqual(
        delivered.map((r) => r.body.toString()),
        ['{"sku":"b"}'],
      );
    });

    it('never serves a residency-limited request outside its regions, before or after health notices', async () => {
      const targets = [...gatewaysIn('us-east', [await deadGateway()]), ...gatewaysIn('eu-west', euWest)];
      const before = euWest.reduce((n, g) => n + g.received.length, 0);
      const steady = await proxyWith(targets, { routes: RESIDENT(STEADY_HEALTH) });
      await expectProblem(await steady.send('/v1/cart/summary'), 503, 'SETGATE_RP_GATEWAYS_UNAVAILABLE');

      const fast = await proxyWith(targets, { routes: RESIDENT(FAST_HEALTH) });
      await until(() => usEastHealthy(fast) === false);
      const res = await fast.send('/v1/cart/summary');
      const problem = await expectProblem(res, 503, 'SETGATE_RP_RESIDENCY_UNAVAILABLE');
      assert.deepEqual(problem.residency, ['us-east']);
      assert.equal(res.headers['retry-after'], '1');
      assert.equal(euWest.reduce((n, g) => n + g.received.length, 0), before, 'eu-west never saw them');

      const unrestricted = await fast.send('/v1/cart');
      assert.equal(unrestricted.headers['x-setgate-region'], 'eu-west', 'other commands still fail over');
      await unrestricted.body.dump();
    });
  });

  it('sends traffic back only after healthyThreshold good checks in a row', async () => {
    const usEast = await stub('us-east-gw-1');
    const euWest = await stub('eu-west-gw-1');
    const proxy = await proxyWith([...gatewaysIn('us-east', [usEast]), ...gatewaysIn('eu-west', [euWest])], {
      routes: testRoutes(withPolicy({})),
    });
    const region = async () => {
      const res = await proxy.send('/v1/profile');
      await res.body.dump();
      return res.headers['x-setgate-region'];
    };
    assert.equal(await region(), 'us-east');

    usEast.healthStatus = 503;
    await until(() => usEastHealthy(proxy) === false);
    assert.equal(await region(), 'eu-west');

    usEast.healthStatus = 200;
    const probesAtRecovery = usEast.probes;
    const during: unknown[] = [];
    while (usEastHealthy(proxy) === false) {
      const served = await region();
      // Counted only if the region was still out when the answer came: it was out for the whole request.
      if (usEastHealthy(proxy) === false) during.push(served);
      await sleep(10);
    }
    assert.ok(during.length > 0);
    assert.ok(during.every((r) => r === 'eu-west'), 'no request went back while the streak was building');
    assert.ok(usEast.probes - probesAtRecovery >= FAST_HEALTH.healthyThreshold);
    assert.equal(await region(), 'us-east');
  });

  it('exports health, requests and failovers per target region', async () => {
    const admin = createAdminServer({ telemetry: testTelemetry(), status: () => ({}) });
    closers.push(() => admin.close());
    const text = (await admin.inject({ url: '/metrics' })).body;
    /** True when a series of `name` carries every one of `labels`, in any order. */
    const has = (name: string, labels: Record<string, string>) =>
      text
        .split('\n')
        .some((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
    assert.ok(has('setgate_regional_proxy_region_healthy', { setgate_region: 'eu-west' }));
    assert.ok(has('setgate_regional_proxy_gateway_healthy', { setgate_gateway: 'eu-west-gw-1' }));
    assert.ok(has('setgate_regional_proxy_requests_total', { setgate_region: 'us-east' }));
    assert.ok(has('setgate_regional_proxy_failovers_total', { setgate_region: 'eu-west', setgate_failover_reason: 'retry' }));
    assert.ok(has('setgate_regional_proxy_failovers_total', { setgate_region: 'eu-west', setgate_failover_reason: 'unhealthy' }));
    assert.ok(has('setgate_regional_proxy_health_transitions_total', { setgate_health_state: 'healthy' }));
    assert.ok(
      has('setgate_regional_proxy_errors_total', { setgate_region: 'us-east', setgate_error_code: 'SETGATE_RP_RESIDENCY_UNAVAILABLE' }),
    );
  });
});
