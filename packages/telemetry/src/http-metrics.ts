import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import { counterFamily, type CounterSeries, type HistogramFamily, histogramFamily, type HistogramSeries } from './local-metrics.js';

export type { Attributes };

/**
 * Request-duration buckets in seconds: 0.5 ms to 10 s, about ×2–2.5 apart, so a
 * loopback hop (~1 ms) and a cross-region one (~100 ms) both land in buckets narrow
 * enough for a useful p99. The SDK's default buckets are in ms-sized numbers (0–10000)
 * and would put every request of a seconds histogram under 5.
 */
export const DURATION_BUCKETS_S: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Body-size buckets in bytes: empty, small JSON, up to the 1 MiB default body limit and past it. */
export const BODY_SIZE_BUCKETS_BY: readonly number[] = [0, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/** The histogram of `http.server.request.duration` / `http.client.request.duration`, in seconds. */
export function durationHistogram(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    unit: 's',
    description,
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_S] },
  });
}

/** A per-request duration histogram (s), aggregated locally (local-metrics.ts). */
function durationFamily(meter: Meter, name: string, description: string): HistogramFamily {
  return histogramFamily(meter, name, { unit: 's', description }, DURATION_BUCKETS_S);
}

function bodySizeFamily(meter: Meter, name: string, description: string): HistogramFamily {
  return histogramFamily(meter, name, { unit: 'By', description }, BODY_SIZE_BUCKETS_BY);
}

/** The inner map of a two-level cache, made on first use. */
function innerMap<K, K2, V>(outer: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}

/** The three series one route, method and status records into. */
interface StatusSeries {
  readonly duration: HistogramSeries;
  readonly requestSize: HistogramSeries;
  readonly responseSize: HistogramSeries;
}

/**
 * One route of one method: its series by status code, bound on the first
 * response with that status and reused after, so the hot path neither
 * allocates nor hashes a label set.
 */
export class RouteRecorder {
  private readonly byStatus = new Map<number, StatusSeries>();

  constructor(
    private readonly metrics: HttpServerMetrics,
    private readonly attributes: Attributes,
  ) {}

  /** Records one finished request; sizes are omitted when unknown (a streamed body). */
  record(status: number, seconds: number, requestBytes: number | undefined, responseBytes: number | undefined): void {
    let series = this.byStatus.get(status);
    if (series === undefined) {
      const attrs = { ...this.attributes, 'http.response.status_code': status };
      series = {
        duration: this.metrics.duration.series(attrs),
        requestSize: this.metrics.requestSize.series(attrs),
        responseSize: this.metrics.responseSize.series(attrs),
      };
      this.byStatus.set(status, series);
    }
    series.duration.record(seconds);
    if (requestBytes !== undefined) series.requestSize.record(requestBytes);
    if (responseBytes !== undefined) series.responseSize.record(responseBytes);
  }
}

/**
 * A server's request metrics by the OpenTelemetry HTTP conventions:
 * `http.server.request.duration` (s), `http.server.active_requests`,
 * `http.server.request.body.size` and `http.server.response.body.size` (By),
 * labelled by method, route (a template or a command name, never a raw path),
 * status and the component's fixed attributes (region, set, node).
 */
export class HttpServerMetrics {
  readonly duration: HistogramFamily;
  readonly requestSize: HistogramFamily;
  readonly responseSize: HistogramFamily;
  /** Requests received and not yet answered; read when scraped. */
  active = 0;
  private readonly routes = new Map<string, Map<string, RouteRecorder>>();

  constructor(
    meter: Meter,
    /** Fixed per process: `setgate.region`, `setgate.set`, `setgate.node`. */
    private readonly base: Attributes,
  ) {
    this.duration = durationFamily(meter, 'http.server.request.duration', 'Duration of HTTP server requests.');
    this.requestSize = bodySizeFamily(meter, 'http.server.request.body.size', 'Size of HTTP server request bodies (content-length).');
    this.responseSize = bodySizeFamily(meter, 'http.server.response.body.size', 'Size of HTTP server response bodies.');
    meter
      .createObservableUpDownCounter('http.server.active_requests', {
        unit: '{request}',
        description: 'HTTP server requests in flight.',
      })
      .addCallback((r) => r.observe(this.active, this.base));
  }

  /**
   * The recorder of one method and route; `extra` (e.g. `setgate.command`) is asked for
   * only when the pair is first seen. Routes must come from a bounded set.
   */
  recorder(method: string, route: string, extra?: () => Attributes): RouteRecorder {
    const byMethod = innerMap(this.routes, route);
    let recorder = byMethod.get(method);
    if (recorder === undefined) {
      // `extra` last: it may name the template (`http.route`) of a route keyed by command name.
      recorder = new RouteRecorder(this, {
        ...this.base,
        'http.request.method': method,
        'http.route': route,
        ...extra?.(),
      });
      byMethod.set(method, recorder);
    }
    return recorder;
  }
}

/** How one upstream attempt ended, for `http.client.request.duration`'s `setgate.outcome`. */
export type ClientOutcome = 'ok' | 'error_status' | 'timeout' | 'refused' | 'misdirected' | 'retried' | 'ejected' | 'failed';

export const CLIENT_OUTCOMES: readonly ClientOutcome[] = [
  'ok',
  'error_status',
  'timeout',
  'refused',
  'misdirected',
  'retried',
  'ejected',
  'failed',
];

/** The outcome of an attempt that got no answer, from the error's code (undici's and the socket's). */
export function outcomeOfError(err: unknown): ClientOutcome {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return 'timeout';
  }
  if (code === 'ECONNREFUSED') return 'refused';
  return 'failed';
}

/** The outcome of an answered attempt: a 421 (not the owner), another 5xx, or ok. */
export function outcomeOfStatus(status: number): ClientOutcome {
  if (status === 421) return 'misdirected';
  return status >= 500 ? 'error_status' : 'ok';
}

/**
 * A client's upstream-attempt metrics: `http.client.request.duration` (s) by the
 * upstream (set and node, or region and gateway) and outcome. Attribute sets are
 * cached per upstream and outcome; upstreams come from the topology (bounded).
 */
export class HttpClientMetrics {
  private readonly duration: HistogramFamily;
  private readonly cache = new Map<string, Map<ClientOutcome, HistogramSeries>>();

  constructor(
    meter: Meter,
    private readonly base: Attributes,
  ) {
    this.duration = durationFamily(meter, 'http.client.request.duration', 'Duration of HTTP client requests to the next setgate hop, by upstream and outcome.');
  }

  /**
   * Records one attempt. `upstreamKey` names the upstream uniquely (e.g. its node id);
   * `upstream` gives its attributes the first time it is seen.
   */
  record(upstreamKey: string, upstream: () => Attributes, outcome: ClientOutcome, seconds: number): void {
    const byOutcome = innerMap(this.cache, upstreamKey);
    let series = byOutcome.get(outcome);
    if (series === undefined) {
      series = this.duration.series({ ...this.base, ...upstream(), 'setgate.outcome': outcome });
      byOutcome.set(outcome, series);
    }
    series.record(seconds);
  }
}

/**
 * A counter whose every bounded label set is exported at 0 from start, so a rate()
 * or an absent()-free alert sees the series before the first event.
 */
export function zeroedCounter(
  meter: Meter,
  name: string,
  description: string,
  labelSets: readonly Attributes[],
): { add(value: number, attrs: Attributes): void } {
  const counter = meter.createCounter(name, { description });
  for (const attrs of labelSets) counter.add(0, attrs);
  return counter;
}

/** Every combination of the given label values, as attribute sets (for zeroedCounter). */
export function labelProduct(labels: Record<string, readonly (string | number)[]>): Attributes[] {
  let sets: Attributes[] = [{}];
  for (const [key, values] of Object.entries(labels)) {
    sets = sets.flatMap((set) => values.map((v) => ({ ...set, [key]: v })));
  }
  return sets;
}

/**
 * A counter over a fixed set of labels, every combination exported at 0 from start.
 * `add` takes the label values in the order the labels were given; each combination's
 * series is bound once (local-metrics.ts), so counting allocates nothing but the key.
 */
export class LabelledCounter {
  private readonly family;
  private readonly keys: readonly string[];
  private readonly series = new Map<string, CounterSeries>();

  constructor(meter: Meter, name: string, description: string, labels: Record<string, readonly string[]>) {
    this.keys = Object.keys(labels);
    this.family = counterFamily(meter, name, { description });
    for (const set of labelProduct(labels)) {
      const s = this.family.series(set);
      s.add(0);
      this.series.set(this.keys.map((k) => set[k]).join('\u0000'), s);
    }
  }

  add(...values: string[]): void {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      // A value outside the declared set (a class added by a newer config): kept, and counted from now.
      s = this.family.series(Object.fromEntries(this.keys.map((k, i) => [k, values[i] ?? ''])));
      this.series.set(key, s);
    }
    s.add(1);
  }
}
