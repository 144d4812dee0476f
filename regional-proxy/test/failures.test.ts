import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deadGatewayUrl, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import { startProxy, usEastGateways } from './helpers/proxy-harness.js';

describe('when gateways fail', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('answers 503 problem+json with Retry-After when every gateway of the region is down', async () => {
    const proxy = await startProxy(usEastGateways([await deadGatewayUrl(), await deadGatewayUrl()]), {
      retryAfterSec: 3,
    });
    closers.push(proxy.close);
    const res = await proxy.send('/v1/profile');
    await expectProblem(res, 503, 'SETGATE_RP_GATEWAYS_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '3');

    const health = await proxy.send('/_setgate/health');
    assert.equal(health.statusCode, 200, 'the proxy itself stays healthy');
    await health.body.dump();
  });

  it('answers 504 when the gateway does not answer in time', async () => {
    // Accepts the request and never answers.
    const silent = await startGatewayStub('us-east-gw-1', () => {});
    closers.push(silent.close);
    const proxy = await startProxy(usEastGateways([silent.url]), { upstreamTimeoutMs: 200 });
    closers.push(proxy.close);
    await expectProblem(await proxy.send('/v1/cart'), 504, 'SETGATE_RP_GATEWAY_TIMEOUT');
    assert.equal(silent.received.length, 1, 'a timeout is not retried');
  });

  it('answers 503 when the selected region has no gateway', async () => {
    const gateway = await startGatewayStub('us-east-gw-1');
    closers.push(gateway.close);
    const proxy = await startProxy(usEastGateways([gateway.url]), { regionSelector: { select: () => 'eu-west' } });
    closers.push(proxy.close);
    const res = await proxy.send('/v1/cart');
    await expectProblem(res, 503, 'SETGATE_RP_NO_GATEWAY');
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(gateway.received.length, 0);
  });
});
