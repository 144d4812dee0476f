import { type Attributes, type Counter, type Histogram, type HrTime, type Meter, ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type HistogramMetricData,
  type MetricProducer,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';

/** One label set of a histogram, bound once: recording is a bucket search and a few additions. */
export interface HistogramSeries {
  record(value: number): void;
}

/** One label set of a monotonic counter, bound once. */
export interface CounterSeries {
  add(value: number): void;
}

/** A histogram by name: its series are bound per label set, once, off the hot path. */
export interface HistogramFamily {
  series(attributes: Attributes): HistogramSeries;
}

/** A monotonic counter by name, bound per label set like HistogramFamily. */
export interface CounterFamily {
  series(attributes: Attributes): CounterSeries;
}

export interface InstrumentOptions {
  readonly description: string;
  readonly unit?: string;
}

/** A label set's identity, independent of key order: two equal sets must be one series. */
function keyOf(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]));
}

class LocalHistogramSeries implements HistogramSeries {
  readonly counts: number[];
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    if (Number.isNaN(value)) return;
    // Bucket i holds (boundaries[i-1], boundaries[i]], as the SDK's explicit-bucket aggregation.
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && value > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }
}

class LocalCounterSeries implements CounterSeries {
  value = 0;

  constructor(readonly attributes: Attributes) {}

  add(value: number): void {
    if (value >= 0) this.value += value;
  }
}

/** A family's series by label set: each made once, on its first binding. */
class SeriesByLabels<S> {
  private readonly bySet = new Map<string, S>();

  constructor(private readonly make: (attributes: Attributes) => S) {}

  bind(attributes: Attributes): S {
    const key = keyOf(attributes);
    let s = this.bySet.get(key);
    if (s === undefined) {
      s = this.make(Object.freeze({ ...attributes }));
      this.bySet.set(key, s);
    }
    return s;
  }

  all(): S[] {
    return [...this.bySet.values()];
  }
}

class LocalHistogramFamily implements HistogramFamily {
  private readonly bound = new SeriesByLabels((attributes) => new LocalHistogramSeries(attributes, this.boundaries));

  constructor(
    readonly name: string,
    readonly options: InstrumentOptions,
    readonly boundaries: readonly number[],
  ) {}

  series(attributes: Attributes): LocalHistogramSeries {
    return this.bound.bind(attributes);
  }

  data(startTime: HrTime, endTime: HrTime): HistogramMetricData {
    return {
      descriptor: { name: this.name, description: this.options.description, unit: this.options.unit ?? '', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: this.bound.all().map((s) => ({
        startTime,
        endTime,
        attributes: s.attributes,
        value: {
          buckets: { boundaries: [...this.boundaries], counts: [...s.counts] },
          sum: s.sum,
          count: s.count,
          ...(s.count > 0 ? { min: s.min, max: s.max } : {}),
        },
      })),
    };
  }
}

class LocalCounterFamily implements CounterFamily {
  private readonly bound = new SeriesByLabels((attributes) => new LocalCounterSeries(attributes));

  constructor(
    readonly name: string,
    readonly options: InstrumentOptions,
  ) {}

  series(attributes: Attributes): LocalCounterSeries {
    return this.bound.bind(attributes);
  }

  data(startTime: HrTime, endTime: HrTime): SumMetricData {
    return {
      descriptor: { name: this.name, description: this.options.description, unit: this.options.unit ?? '', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: this.bound.all().map((s) => ({ startTime, endTime, attributes: s.attributes, value: s.value })),
    };
  }
}

/**
 * Instruments recorded on every request, aggregated here instead of in the
 * SDK and handed to the readers (Prometheus, OTLP) as an extra MetricProducer.
 * The SDK hashes a record's whole attribute set on every call to find its
 * series (sorting and joining the keys); with several records per request that
 * was a visible share of a hop's CPU. Here a series is found once, when its
 * label set is first bound, and a record touches only its own numbers.
 * Cumulative, like the SDK's Prometheus view; same names, units and buckets as
 * the SDK instruments they replace, so every dashboard and alert reads them alike.
 */
export class LocalMetrics implements MetricProducer {
  private readonly startTime = hrTime();
  private readonly histograms = new Map<string, LocalHistogramFamily>();
  private readonly counters = new Map<string, LocalCounterFamily>();

  histogram(name: string, options: InstrumentOptions, boundaries: readonly number[]): HistogramFamily {
    let f = this.histograms.get(name);
    if (f === undefined) {
      f = new LocalHistogramFamily(name, options, [...boundaries]);
      this.histograms.set(name, f);
    }
    return f;
  }

  counter(name: string, options: InstrumentOptions): CounterFamily {
    let f = this.counters.get(name);
    if (f === undefined) {
      f = new LocalCounterFamily(name, options);
      this.counters.set(name, f);
    }
    return f;
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const metrics = [
      ...[...this.histograms.values()].map((f) => f.data(this.startTime, endTime)),
      ...[...this.counters.values()].map((f) => f.data(this.startTime, endTime)),
    ];
    return {
      // A producer's resource is ignored: the reader keeps the SDK's.
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: LOCAL_SCOPE }, metrics }] },
      errors: [],
    };
  }
}

/** The scope name of the process's SDK meter too, so local series carry the same otel_scope_name. */
export const LOCAL_SCOPE = 'setgate';

const localOf = new WeakMap<Meter, LocalMetrics>();

/** Makes `local` the home of the per-request instruments made on `meter` (metrics.ts, when the process's meter is made). */
export function attachLocalMetrics(meter: Meter, local: LocalMetrics): void {
  localOf.set(meter, local);
}

/**
 * A histogram on `meter`: aggregated locally when the meter has LocalMetrics
 * attached (every component's process meter), else an SDK histogram behind the
 * same interface (a test's own MeterProvider, the no-op meter when metrics are off).
 */
export function histogramFamily(meter: Meter, name: string, options: InstrumentOptions, boundaries: readonly number[]): HistogramFamily {
  const local = localOf.get(meter);
  if (local) return local.histogram(name, options, boundaries);
  const h: Histogram = meter.createHistogram(name, { ...options, advice: { explicitBucketBoundaries: [...boundaries] } });
  return { series: (attributes) => ({ record: (value) => h.record(value, attributes) }) };
}

/** A monotonic counter on `meter`, local when it can be (see histogramFamily). */
export function counterFamily(meter: Meter, name: string, options: InstrumentOptions): CounterFamily {
  const local = localOf.get(meter);
  if (local) return local.counter(name, options);
  const c: Counter = meter.createCounter(name, options);
  return { series: (attributes) => ({ add: (value) => c.add(value, attributes) }) };
}
