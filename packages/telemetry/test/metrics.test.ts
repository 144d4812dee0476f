import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HttpClientMetrics, HttpServerMetrics, labelProduct, startTelemetry, zeroedCounter } from '../src/index.js';

async function scrapeOnce(telemetry: ReturnType<typeof startTelemetry>): Promise<string> {
  const server = createServer((req, res) => telemetry.scrape(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    return await res.text();
  } finally {
    server.close();
  }
}

test('a scrape has HTTP, runtime and zeroed series, and promtool finds nothing to lint', async () => {
  const telemetry = startTelemetry({ service: 'test', instance: 't-1', region: 'us-east', logLevel: 'silent' });
  try {
    const server = new HttpServerMetrics(telemetry.meter, { 'setgate.region': 'us-east' });
    server.recorder('GET', '/v1/profile').record(200, 0.0031, 0, 120);
    server.recorder('GET', '/v1/profile').record(404, 0.0007, undefined, 80);
    server.active = 3;
    new HttpClientMetrics(telemetry.meter, { 'setgate.region': 'us-east' }).record(
      'a-1',
      () => ({ 'setgate.set': 'a', 'setgate.node': 'a-1' }),
      'timeout',
      2,
    );
    zeroedCounter(telemetry.meter, 'setgate.test.refused', 'Refused.', labelProduct({ 'setgate.reason': ['x', 'y'], 'setgate.mode': ['shared'] }));
    // The GC histogram has a series only once a collection ran: make garbage until the young generation is collected.
    let kept = 0;
    for (let i = 0; i < 200; i++) kept += new Array(100_000).fill(i).length;
    assert.ok(kept > 0);
    // The runtime instrumentation samples the event loop once a second and reports only from 5 samples on.
    let text = await scrapeOnce(telemetry);
    const deadline = Date.now() + 60_000;
    while (!/^nodejs_eventloop_delay_p99\{/m.test(text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      text = await scrapeOnce(telemetry);
    }

    assert.match(text, /^# UNIT http_server_request_duration s$/m);
    assert.match(
      text,
      /^http_server_request_duration_bucket\{setgate_region="us-east",http_request_method="GET",http_route="\/v1\/profile",http_response_status_code="200",otel_scope_name="setgate",le="0\.005"\} 1$/m,
    );
    assert.match(text, /^http_server_request_duration_bucket\{[^}]*http_response_status_code="404"[^}]*le="0\.001"\} 1$/m);
    assert.match(text, /^http_server_active_requests\{setgate_region="us-east",otel_scope_name="setgate"\} 3$/m);
    assert.match(text, /^http_client_request_duration_count\{[^}]*setgate_node="a-1"[^}]*setgate_outcome="timeout"[^}]*\} 1$/m);
    assert.match(text, /^setgate_test_refused_total\{setgate_reason="y",setgate_mode="shared",otel_scope_name="setgate"\} 0$/m);
    for (const runtime of ['nodejs_eventloop_delay_p99', 'v8js_memory_heap_used', 'v8js_gc_duration_bucket', 'process_cpu_time_total', 'process_memory_usage']) {
      assert.match(text, new RegExp(`^${runtime}\\{`, 'm'), `${runtime} is exported`);
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
  } finally {
    await telemetry.shutdown();
  }
});

test('with OTEL_EXPORTER_OTLP_ENDPOINT set, metrics are pushed over OTLP/HTTP too', async () => {
  const bodies: string[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/metrics') bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const saved = { endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, interval: process.env.OTEL_METRIC_EXPORT_INTERVAL };
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.OTEL_METRIC_EXPORT_INTERVAL = '200';
  const telemetry = startTelemetry({ service: 'test', instance: 't-2', logLevel: 'silent' });
  try {
    new HttpServerMetrics(telemetry.meter, { 'setgate.region': 'eu-west' }).recorder('PUT', '/v1/cart').record(201, 0.02, 10, 20);
    const deadline = Date.now() + 20_000;
    while (!bodies.some((b) => b.includes('http.server.request.duration'))) {
      assert.ok(Date.now() < deadline, `no OTLP metrics push with the request duration; ${bodies.length} pushes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const push = bodies.find((b) => b.includes('http.server.request.duration')) as string;
    assert.match(push, /"setgate-test"/, 'the resource names the service');
    assert.match(push, /"unit":"s"/);
  } finally {
    await telemetry.shutdown();
    for (const [k, v] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', saved.endpoint],
      ['OTEL_METRIC_EXPORT_INTERVAL', saved.interval],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    receiver.close();
  }
});

test('OTEL_SDK_DISABLED=true: instruments are no-ops and a scrape has no series', async () => {
  const before = process.env.OTEL_SDK_DISABLED;
  process.env.OTEL_SDK_DISABLED = 'TRUE';
  const telemetry = startTelemetry({ service: 'test', instance: 't-off', logLevel: 'silent' });
  try {
    new HttpServerMetrics(telemetry.meter, { 'setgate.region': 'us-east' }).recorder('GET', '/v1/profile').record(200, 0.001, 0, 10);
    zeroedCounter(telemetry.meter, 'setgate.test.refused', 'Refused.', labelProduct({ 'setgate.reason': ['x'] }));
    const text = await scrapeOnce(telemetry);
    assert.match(text, /OTEL_SDK_DISABLED/);
    assert.doesNotMatch(text, /^[a-z_]+(\{.*\})? \d/m, 'no sample line');
  } finally {
    await telemetry.shutdown();
    if (before === undefined) delete process.env.OTEL_SDK_DISABLED;
    else process.env.OTEL_SDK_DISABLED = before;
  }
});
