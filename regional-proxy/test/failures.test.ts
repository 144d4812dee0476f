import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deadGateway, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import { STEADY_HEALTH, startProxy, testRoutes, usEastGateways, withPolicy } from './helpers/proxy-harness.js';

describe('when gateways fail', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('answers 503 problem+json with Retry-After when every gateway of the only region is down', async () => {
    // Only us-east has gateways, so no other region is a candidate; steady health keeps both gateways in play.
    const proxy = await startProxy(usEastGateways([await deadGateway(), await deadGateway()]), {
      retryAfterSec: 3,
      routes: testRoutes(withPolicy({ health: STEADY_HEALTH })),
    });
    closers.push(proxy.close);
    const res = await proxy.send('/v1/profile');
    await expectProblem(res, 503, 'SETGATE_RP_GATEWAYS_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '3');
    assert.equal(res.headers['x-setgate-entry-region'], 'us-east');

    const health = await proxy.send('/_setgate/health');
    assert.equal(health.statusCode, 200, 'the proxy itself stays healthy');
    await health.body.dump();
  });

  it('answers 503 without trying a gateway once health found no region healthy', async () => {
    const proxy = await startProxy(usEastGateways([await deadGateway()]), { routes: testRoutes(withPolicy({})) });
    closers.push(proxy.close);
    while (proxy.app.regionalProxy.status().regions.some((r) => r.healthy)) await new Promise((r) => setTimeout(r, 10));
    const res = await proxy.send('/v1/profile');
    await expectProblem(res, 503, 'SETGATE_RP_NO_HEALTHY_REGION');
    assert.equal(res.headers['retry-after'], '1');
  });

  it('retries a read whose gateway died mid-body on the next gateway, instead of sending a cut-off answer', async () => {
    const dying = await startGatewayStub('us-east-gw-1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '64' });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const healthy = await startGatewayStub('us-east-gw-2');
    closers.push(dying.close, healthy.close);
    const proxy = await startProxy(usEastGateways([dying, healthy]), { routes: testRoutes(withPolicy({ health: STEADY_HEALTH })) });
    closers.push(proxy.close);
    // Round-robin may start on either gateway: send until the dying one has been met once.
    while (dying.received.length === 0) {
      const res = await proxy.send('/v1/profile');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(await res.body.json(), { gateway: 'us-east-gw-2', bytes: 0 });
    }
  });

  it('answers 504 when the gateway does not answer in time, and does not retry it', async () => {
    // Accepts the request and never answers.
    const silent = await startGatewayStub('us-east-gw-1', () => {});
    closers.push(silent.close);
    const proxy = await startProxy(usEastGateways([silent]), { upstreamTimeoutMs: 200 });
    closers.push(proxy.close);
    await expectProblem(await proxy.send('/v1/cart'), 504, 'SETGATE_RP_GATEWAY_TIMEOUT');
    assert.equal(silent.received.length, 1, 'a timeout is not retried');
  });
});
