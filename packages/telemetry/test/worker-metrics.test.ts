import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { HttpServerMetrics, startTelemetry, type Telemetry, type WorkerMetrics } from '../src/index.js';

/** A worker's telemetry with `requests` GETs recorded (one of them slow) and its own in-flight and gauge values. */
async function workerWith(worker: number, requests: number, inFlight: number): Promise<{ telemetry: Telemetry; part: WorkerMetrics }> {
  const telemetry = startTelemetry({ service: 'test', instance: 'gw-1', region: 'us-east', logLevel: 'silent', worker });
  const server = new HttpServerMetrics(telemetry.meter, { 'setgate.region': 'us-east' });
  for (let i = 0; i < requests; i++) server.recorder('GET', '/v1/profile').record(200, i === 0 ? 2 : 0.002, 0, 100);
  server.active = inFlight;
  telemetry.meter.createObservableGauge('setgate.test.version').addCallback((r) => r.observe(40 + worker));
  return { telemetry, part: { worker, scopeMetrics: await telemetry.collectMetrics() } };
}

test('workers merge into one process view: counts and histograms add, in-flight adds, gauges stay per worker', async () => {
  const one = await workerWith(1, 3, 2);
  const two = await workerWith(2, 5, 1);
  try {
    // As it crosses the IPC channel: JSON.
    const parts = JSON.parse(JSON.stringify([one.part, two.part])) as WorkerMetrics[];
    const text = one.telemetry.renderMetrics(parts);
    const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
    assert.match(line(/^http_server_request_duration_count\{/) ?? '', / 8$/, 'requests of both workers');
    assert.match(line(/^http_server_request_duration_bucket\{.*le="0\.0025"\}/) ?? '', / 6$/, 'fast requests, bucket by bucket');
    assert.match(line(/^http_server_request_duration_bucket\{.*le="\+Inf"\}/) ?? '', / 8$/);
    const sum = Number((line(/^http_server_request_duration_sum\{/) ?? '').split(' ').pop());
    assert.ok(Math.abs(sum - (2 * 2 + 6 * 0.002)) < 1e-9, `sum ${sum}`);
    assert.match(line(/^http_server_active_requests\{/) ?? '', / 3$/, 'in flight across workers');
    assert.match(text, /^setgate_test_version\{setgate_worker="1",.*\} 41$/m);
    assert.match(text, /^setgate_test_version\{setgate_worker="2",.*\} 42$/m);
    // The scrape speaks for the process: no worker in its target info.
    assert.doesNotMatch(line(/^target_info\{/) ?? '', /setgate_worker/);
    assert.match(line(/^target_info\{/) ?? '', /service_instance_id="gw-1"/);

    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.error, undefined, 'promtool is installed');
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
    assert.equal(`${lint.stdout}${lint.stderr}`.trim(), '', 'promtool finds nothing to lint in the merged text');
  } finally {
    await Promise.all([one.telemetry.shutdown(), two.telemetry.shutdown()]);
  }
});
