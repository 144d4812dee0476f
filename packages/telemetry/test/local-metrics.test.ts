import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { DataPointType, type HistogramMetricData, MeterProvider, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { histogramFamily, LocalMetrics } from '../src/index.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const VALUES = [0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.5, 1, 2, 30, Number.NaN];

async function collected(reader: PrometheusExporter) {
  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
}

describe('local metrics (per-request instruments outside the SDK)', () => {
  it('aggregates a histogram exactly as the SDK does: same buckets (upper bound inclusive), sum, count, min and max', async () => {
    const local = new LocalMetrics();
    const reader = new PrometheusExporter({ preventServerStart: true, metricProducers: [local] });
    const provider = new MeterProvider({ readers: [reader] });
    const meter = provider.getMeter('t');
    const sdk = meter.createHistogram('sdk_seconds', { unit: 's', advice: { explicitBucketBoundaries: BOUNDS } });
    const series = local.histogram('local_seconds', { unit: 's', description: 'd' }, BOUNDS).series({ route: '/a' });
    for (const v of VALUES) {
      sdk.record(v, { route: '/a' });
      series.record(v);
    }
    const metrics = await collected(reader);
    const point = (name: string) => (metrics.find((m) => m.descriptor.name === name) as HistogramMetricData).dataPoints[0]?.value;
    const fromSdk = point('sdk_seconds');
    const fromLocal = point('local_seconds');
    assert.ok(fromSdk && fromLocal);
    assert.deepEqual(fromLocal.buckets, fromSdk.buckets);
    assert.equal(fromLocal.count, fromSdk.count);
    assert.equal(fromLocal.sum, fromSdk.sum);
    assert.equal(fromLocal.min, fromSdk.min);
    assert.equal(fromLocal.max, fromSdk.max);
    await provider.shutdown();
  });

  it('binds one series per label set whatever the key order, and counts monotonically', async () => {
    const local = new LocalMetrics();
    const reader = new PrometheusExporter({ preventServerStart: true, metricProducers: [local] });
    const provider = new MeterProvider({ readers: [reader] });
    const family = local.counter('hits', { description: 'd' });
    family.series({ a: '1', b: '2' }).add(2);
    family.series({ b: '2', a: '1' }).add(3);
    family.series({ a: '1', b: '3' }).add(0);
    family.series({ a: '1', b: '3' }).add(-5);
    const metrics = await collected(reader);
    const hits = metrics.find((m) => m.descriptor.name === 'hits') as SumMetricData;
    assert.equal(hits.dataPointType, DataPointType.SUM);
    assert.equal(hits.isMonotonic, true);
    assert.deepEqual(
      hits.dataPoints.map((p) => [p.attributes, p.value]),
      [
        [{ a: '1', b: '2' }, 5],
        [{ a: '1', b: '3' }, 0],
      ],
    );
    await provider.shutdown();
  });

  it('falls back to an SDK histogram on a meter without local metrics (a test provider, metrics off)', async () => {
    const reader = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [reader] });
    histogramFamily(provider.getMeter('t'), 'plain_seconds', { unit: 's', description: 'd' }, BOUNDS).series({ x: 'y' }).record(0.5);
    const metrics = await collected(reader);
    const plain = metrics.find((m) => m.descriptor.name === 'plain_seconds') as HistogramMetricData;
    assert.equal(plain.dataPoints[0]?.value.count, 1);
    await provider.shutdown();
  });
});
