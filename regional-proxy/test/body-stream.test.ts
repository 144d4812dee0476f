import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { answerAsGateway, type GatewayStub, startGatewayStub } from './helpers/gateway-stub.js';
import { expectProblem } from './helpers/problem.js';
import { type RunningProxy, startProxy, usEastGateways } from './helpers/proxy-harness.js';

const MiB = 1024 * 1024;
const download = randomBytes(MiB);

describe('bodies stream through the proxy', () => {
  let gateway: GatewayStub;
  let proxy: RunningProxy;

  before(async () => {
    const answer = answerAsGateway('us-east-gw-1');
    gateway = await startGatewayStub('us-east-gw-1', (req, res, body) => {
      if (req.url !== '/download') return answer(req, res, body);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': download.length });
      res.end(download);
    });
    proxy = await startProxy(usEastGateways([gateway]), { limits: { bodyLimitBytes: 2 * MiB } });
  });
  after(async () => {
    await proxy.close();
    await gateway.close();
  });

  it('passes a 1 MiB request body through intact', async () => {
    const upload = randomBytes(MiB);
    const res = await proxy.send('/v1/blob', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: upload,
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    const seen = gateway.received.at(-1);
    assert.ok(seen);
    assert.equal(seen.headers['content-length'], String(MiB));
    assert.ok(seen.body.equals(upload));
  });

  it('passes a chunked body through without a length', async () => {
    const parts = [randomBytes(70000), randomBytes(1), randomBytes(300000)];
    const res = await proxy.send('/v1/blob', { method: 'POST', body: Readable.from(parts) });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    const seen = gateway.received.at(-1);
    assert.ok(seen);
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    assert.ok(seen.body.equals(Buffer.concat(parts)));
  });

  it('never parses JSON: a malformed document reaches the gateway verbatim', async () => {
    const text = '{"item": not json';
    const res = await proxy.send('/v1/cart/items', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(gateway.received.at(-1)?.body.toString(), text);
  });

  it('streams a 1 MiB response back intact', async () => {
    const res = await proxy.send('/download');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], String(MiB));
    assert.ok(Buffer.from(await res.body.arrayBuffer()).equals(download));
  });

  it('refuses a body announced above the limit without contacting a gateway', async () => {
    const before = gateway.received.length;
    const res = await proxy.send('/v1/blob', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: randomBytes(2 * MiB + 1),
    });
    await expectProblem(res, 413, 'SETGATE_RP_BODY_TOO_LARGE');
    assert.equal(gateway.received.length, before);
  });

  it('refuses a chunked body once it passes the limit', async () => {
    const before = gateway.received.length;
    const res = await proxy.send('/v1/blob', { method: 'POST', body: Readable.from([randomBytes(MiB), randomBytes(MiB + 1)]) });
    await expectProblem(res, 413, 'SETGATE_RP_BODY_TOO_LARGE');
    assert.equal(gateway.received.length, before, 'the gateway never saw a complete request');
  });
});
