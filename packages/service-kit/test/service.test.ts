import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CommonErrors, PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import { startTelemetry } from '@setgate/telemetry';
import { createAdminServer, createService } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'svc-test', logLevel: 'silent' });

function build(trustRequestId = false) {
  const app = createService({ telemetry, trustRequestId, limits: { bodyLimitBytes: 64, maxHeaderBytes: 2048 } });
  app.post('/echo', async (req) => req.body);
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/typed', async () => {
    throw CommonErrors.create('SETGATE_UNAVAILABLE', { detail: 'later', headers: { 'retry-after': '2' } });
  });
  return app;
}

describe('createService', () => {
  it('answers unknown routes with a 404 problem', async () => {
    const res = await build().inject({ method: 'GET', url: '/nope?x=1' });
    assert.equal(res.statusCode, 404);
    assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
    assert.equal(res.json().code, 'SETGATE_NOT_FOUND');
    assert.equal(res.json().instance, res.headers['x-request-id']);
  });

  it('answers what the router refuses before any route (bad percent-encoding, an over-long segment) with a 400 problem', async () => {
    const app = build();
    app.get('/items/:id', async (req) => req.params);
    for (const url of ['/items/%zz', '/items/%E0%A4%A', '/nope/%', `/items/${'k'.repeat(2049)}`]) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 400, url);
      assert.ok(String(res.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE), `${url}: ${res.headers['content-type']}`);
      const problem = res.json();
      assert.equal(problem.code, 'SETGATE_BAD_REQUEST');
      assert.ok(!res.body.includes(url.slice(0, 12)), 'the client path is not echoed back');
    }
    // A key of 255 latin1 characters, percent-encoded as UTF-8, still reaches its route.
    const key = encodeURIComponent('\u00e9'.repeat(255));
    assert.equal((await app.inject({ method: 'GET', url: `/items/${key}` })).statusCode, 200);
  });

  it('hides internal errors: 500 problem without message or stack', async () => {
    const res = await build().inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().code, 'SETGATE_INTERNAL');
    assert.ok(!res.body.includes('hunter2') && !res.body.includes('at '));
  });

  it('sends typed errors with their status and headers', async () => {
    const res = await build().inject({ method: 'GET', url: '/typed' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '2');
    assert.equal(res.json().detail, 'later');
  });

  it('refuses a body over the limit with 413 and malformed JSON with 400', async () => {
    const app = build();
    const big = await app.inject({ method: 'POST', url: '/echo', payload: { s: 'x'.repeat(100) } });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'SETGATE_BODY_TOO_LARGE');
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: '{"a":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(String(bad.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
  });

  it('mints request ids unless told to trust the caller', async () => {
    const untrusted = await build(false).inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'abc' } });
    assert.notEqual(untrusted.headers['x-request-id'], 'abc');
    const trusted = await build(true).inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'abc' } });
    assert.equal(trusted.headers['x-request-id'], 'abc');
    const forged = await build(true).inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'a b\n' } });
    assert.notEqual(forged.headers['x-request-id'], 'a b\n');
  });
});

describe('listener limits', () => {
  const app = build();
  let port = 0;
  before(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  it('answers oversized headers with a 431 problem', async () => {
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = request({ port, path: '/nope', headers: { 'x-big': 'y'.repeat(4096) } }, (r) => {
        let body = '';
        r.on('data', (c) => {
          body += c;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 431);
    assert.equal(res.type, PROBLEM_CONTENT_TYPE);
    assert.equal(JSON.parse(res.body).code, 'SETGATE_HEADERS_TOO_LARGE');
  });
});

describe('admin server', () => {
  it('serves status, health and Prometheus metrics', async () => {
    const counter = telemetry.meter.createCounter('setgate_test_total');
    counter.add(3);
    const admin = createAdminServer({ telemetry, status: () => ({ role: 'tester' }) });
    assert.deepEqual((await admin.inject({ url: '/status' })).json(), { role: 'tester' });
    assert.equal((await admin.inject({ url: '/_setgate/health' })).statusCode, 200);
    const metrics = await admin.inject({ url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /setgate_test_total(\{[^}]*\})? 3/);
  });
});

describe('tracing', () => {
  it('continues the caller trace and binds its ids into the request logger', async () => {
    const app = createService({ telemetry });
    let seen: { traceId?: string; logTrace?: unknown } = {};
    app.get('/t', async (request) => {
      const bindings = (request.log as unknown as { bindings(): Record<string, unknown> }).bindings();
      seen = { traceId: request.span?.spanContext().traceId, logTrace: bindings.trace_id };
      return {};
    });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await app.inject({ url: '/t', headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    assert.equal(seen.traceId, traceId);
    assert.equal(seen.logTrace, traceId);
  });

  it('starts a new trace when the caller sends none', async () => {
    const app = createService({ telemetry });
    let id: string | undefined;
    app.get('/t', async (request) => {
      id = request.span?.spanContext().traceId;
      return {};
    });
    await app.inject({ url: '/t' });
    assert.match(id ?? '', /^[0-9a-f]{32}$/);
  });
});
