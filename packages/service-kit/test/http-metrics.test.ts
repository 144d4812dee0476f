import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeterProvider, AggregationTemporality, InMemoryMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { HttpServerMetrics } from '@setgate/telemetry';
import Fastify from 'fastify';
import { installHttpMetrics, UNMATCHED_ROUTE } from '../src/index.js';

/** Histogram data points of one metric as `route method status → count`. */
async function counts(reader: PeriodicExportingMetricReader, name: string): Promise<Map<string, number>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        const a = point.attributes;
        out.set(`${a['http.route']} ${a['http.request.method']} ${a['http.response.status_code']}`, (point.value as { count: number }).count);
      }
    }
  }
  return out;
}

test('each request is recorded under its route template (or the command routeOf names), method and status; 404s as unmatched', async () => {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new HttpServerMetrics(provider.getMeter('t'), { 'setgate.region': 'r' });
  const app = Fastify();
  installHttpMetrics(app, {
    metrics,
    routeOf: (request) => (request.url.startsWith('/cmd/') ? 'cart.get' : undefined),
    attributesOf: () => ({ 'setgate.command': 'cart.get' }),
  });
  app.get('/items/:id', async () => ({ ok: true }));
  app.get('/cmd/*', async (_request, reply) => reply.code(429).send({ no: true }));
  try {
    for (const id of ['1', '2', 'abc']) assert.equal((await app.inject({ url: `/items/${id}` })).statusCode, 200);
    assert.equal((await app.inject({ url: '/cmd/x/y' })).statusCode, 429);
    assert.equal((await app.inject({ url: '/nowhere/42' })).statusCode, 404);
    const seen = await counts(reader, 'http.server.request.duration');
    assert.deepEqual(
      [...seen.entries()].sort(),
      [
        ['/items/:id GET 200', 3],
        [`${UNMATCHED_ROUTE} GET 404`, 1],
        ['cart.get GET 429', 1],
      ].sort(),
    );
    const sizes = await counts(reader, 'http.server.response.body.size');
    assert.equal(sizes.get('/items/:id GET 200'), 3, 'sizes recorded from content-length');
    assert.equal(metrics.active, 0, 'every request left the in-flight count');
  } finally {
    await app.close();
    await provider.shutdown();
  }
});
