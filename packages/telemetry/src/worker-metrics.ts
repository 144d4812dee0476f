import type { Attributes } from '@opentelemetry/api';
import {
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

/** One worker's collected metrics as they cross the IPC channel: the scopes, without the resource object. */
export interface WorkerMetrics {
  /** The worker's slot, 1..N: stable across a restart of that worker. */
  readonly worker: number;
  readonly scopeMetrics: ScopeMetrics[];
}

/** The attribute a gauge gets per worker (Prometheus label `setgate_worker`). */
export const WORKER_ATTRIBUTE = 'setgate.worker';

/**
 * Merges the workers' metrics into one process's view, as a single-process
 * component would have reported them:
 * - sums (counters, up-down counters such as in-flight requests, CPU time) add up;
 * - histograms add bucket by bucket (same boundaries: the same code made them), min and max kept;
 * - gauges do not add up (event-loop delay, heap, config version and age): each
 *   worker's stays its own series, told apart by `setgate.worker` (bounded by the worker count).
 * Series are matched by scope, metric name and attributes.
 */
export function mergeWorkerMetrics(resource: ResourceMetrics['resource'], parts: readonly WorkerMetrics[]): ResourceMetrics {
  const scopes = new Map<string, { scope: ScopeMetrics['scope']; metrics: Map<string, MetricData> }>();
  for (const part of parts) {
    for (const sm of part.scopeMetrics) {
      const scopeKey = `${sm.scope.name}@${sm.scope.version ?? ''}`;
      let scope = scopes.get(scopeKey);
      if (scope === undefined) {
        scope = { scope: sm.scope, metrics: new Map() };
        scopes.set(scopeKey, scope);
      }
      for (const metric of sm.metrics) {
        const into = scope.metrics.get(metric.descriptor.name);
        const own = metric.dataPointType === DataPointType.GAUGE ? labelled(metric, part.worker) : metric;
        scope.metrics.set(metric.descriptor.name, into === undefined ? copyOf(own) : add(into, own));
      }
    }
  }
  return {
    resource,
    scopeMetrics: [...scopes.values()].map((s) => ({ scope: s.scope, metrics: [...s.metrics.values()] })),
  };
}

function labelled(metric: MetricData, worker: number): MetricData {
  return {
    ...metric,
    dataPoints: metric.dataPoints.map((p) => ({ ...p, attributes: { ...p.attributes, [WORKER_ATTRIBUTE]: String(worker) } })),
  } as MetricData;
}

function copyOf(metric: MetricData): MetricData {
  return { ...metric, dataPoints: [...metric.dataPoints] } as MetricData;
}

/** `into` (already a copy of ours) with `more`'s points added; a metric whose type differs keeps the first seen. */
function add(into: MetricData, more: MetricData): MetricData {
  if (into.dataPointType !== more.dataPointType) return into;
  const points = new Map<string, DataPoint<unknown>>(into.dataPoints.map((p) => [keyOf(p.attributes), p]));
  for (const p of more.dataPoints as DataPoint<unknown>[]) {
    const key = keyOf(p.attributes);
    const seen = points.get(key);
    points.set(key, seen === undefined ? p : addPoint(into.dataPointType, seen, p));
  }
  return { ...into, dataPoints: [...points.values()] } as MetricData;
}

function addPoint(type: DataPointType, a: DataPoint<unknown>, b: DataPoint<unknown>): DataPoint<unknown> {
  const times = { startTime: earlier(a.startTime, b.startTime), endTime: earlier(a.endTime, b.endTime) === a.endTime ? b.endTime : a.endTime };
  switch (type) {
    case DataPointType.SUM:
      return { ...a, ...times, value: (a.value as number) + (b.value as number) };
    case DataPointType.HISTOGRAM:
      return { ...a, ...times, value: addHistograms(a.value as Histogram, b.value as Histogram) };
    default:
      // Gauges carry the worker attribute, so two workers' points never meet; an exponential histogram is not merged.
      return a;
  }
}

function addHistograms(a: Histogram, b: Histogram): Histogram {
  const same =
    a.buckets.boundaries.length === b.buckets.boundaries.length && a.buckets.boundaries.every((v, i) => v === b.buckets.boundaries[i]);
  if (!same) return a;
  const min = a.min === undefined ? b.min : b.min === undefined ? a.min : Math.min(a.min, b.min);
  const max = a.max === undefined ? b.max : b.max === undefined ? a.max : Math.max(a.max, b.max);
  return {
    buckets: { boundaries: a.buckets.boundaries, counts: a.buckets.counts.map((c, i) => c + (b.buckets.counts[i] ?? 0)) },
    count: a.count + b.count,
    ...(a.sum !== undefined || b.sum !== undefined ? { sum: (a.sum ?? 0) + (b.sum ?? 0) } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
  };
}

type HrTime = DataPoint<unknown>['startTime'];
function earlier(a: HrTime, b: HrTime): HrTime {
  return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]) ? a : b;
}

/** Attributes as a key: sorted, so the same set in another order is the same series. */
function keyOf(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]));
}
