import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GatewayStub, startGatewayStub } from './helpers/gateway-stub.js';
import { type RunningProxy, startProxy, usEastGateways } from './helpers/proxy-harness.js';

describe('forward hygiene (first setgate hop)', () => {
  let gateway: GatewayStub;
  let proxy: RunningProxy;

  before(async () => {
    gateway = await startGatewayStub('us-east-gw-1');
    proxy = await startProxy(usEastGateways([gateway]));
  });
  after(async () => {
    await proxy.close();
    await gateway.close();
  });

  const lastReceived = () => {
    const r = gateway.received.at(-1);
    assert.ok(r, 'the gateway received a request');
    return r;
  };

  it('never lets a client-sent x-setgate-* header reach the gateway', async () => {
    const res = await proxy.send('/v1/profile?view=full', {
      headers: {
        'x-setgate-subject': 'admin',
        'X-Setgate-Region': 'ap-south',
        'x-setgate-entry-region': 'ap-south',
        'x-setgate-min-position': '1:1',
        authorization: 'Bearer token',
      },
    });
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    const seen = lastReceived();
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/v1/profile?view=full');
    const internal = Object.keys(seen.headers).filter((k) => k.startsWith('x-setgate-'));
    assert.deepEqual(internal.sort(), ['x-setgate-entry-region', 'x-setgate-region']);
    assert.equal(seen.headers['x-setgate-entry-region'], 'us-east');
    assert.equal(seen.headers['x-setgate-region'], 'us-east');
    assert.equal(seen.headers.authorization, 'Bearer token');
  });

  it("sets X-Forwarded-For to the client's address, replacing a chain the client sent (no trusted edges)", async () => {
    await (await proxy.send('/a')).body.dump();
    assert.equal(lastReceived().headers['x-forwarded-for'], '127.0.0.1');
    await (await proxy.send('/b', { headers: { 'x-forwarded-for': '203.0.113.7' } })).body.dump();
    assert.equal(lastReceived().headers['x-forwarded-for'], '127.0.0.1');
  });

  it('mints the request id and forwards it with W3C trace context', async () => {
    const res = await proxy.send('/v1/cart', { headers: { 'x-request-id': 'forged-id' } });
    await res.body.dump();
    const id = res.headers['x-request-id'];
    assert.equal(typeof id, 'string');
    assert.notEqual(id, 'forged-id');
    const seen = lastReceived();
    assert.equal(seen.headers['x-request-id'], id);
    assert.match(String(seen.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('continues a trace the client started', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const res = await proxy.send('/v1/cart', { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    await res.body.dump();
    const forwarded = String(lastReceived().headers.traceparent);
    assert.equal(forwarded.split('-')[1], traceId);
    assert.notEqual(forwarded.split('-')[2], 'b7ad6b7169203331', 'the proxy hop is a span of its own');
  });

  it('returns the gateway status, body and routing headers, adding the entry region', async () => {
    const res = await proxy.send('/v1/cart');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { gateway: 'us-east-gw-1', bytes: 0 });
    assert.equal(res.headers['x-setgate-region'], 'us-east');
    assert.equal(res.headers['x-setgate-set'], 'us-east-a');
    assert.equal(res.headers['x-setgate-shard'], '7');
    assert.equal(res.headers['x-setgate-entry-region'], 'us-east');
  });

  it('answers /_setgate/health itself', async () => {
    const before = gateway.received.length;
    const res = await proxy.send('/_setgate/health');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { status: 'ok', region: 'us-east' });
    assert.equal(gateway.received.length, before);
  });
});
