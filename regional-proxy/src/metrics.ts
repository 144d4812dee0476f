import type { ObservableResult } from '@opentelemetry/api';
import { type ClientOutcome, type CounterSeries, counterFamily, HttpClientMetrics, type Meter, outcomeOfError, outcomeOfStatus } from '@setgate/telemetry';
import type { HealthTransition } from './health/gateway-health.js';

/** Why a request was served outside its preferred region. */
export type FailoverReason = 'unhealthy' | 'retry';

/** What the health gauges read when scraped. */
export interface HealthSource {
  /** Every region and whether it has a healthy gateway. */
  regions(): Iterable<{ readonly region: string; readonly healthy: boolean }>;
  gateways(): Iterable<{ readonly id: string; readonly region: string; readonly healthy: boolean }>;
}

/**
 * The regional proxy's instruments (`setgate.regional_proxy.*`), all by target
 * region: requests, errors, retries, failovers, health state. The per-request
 * counter is local (local-metrics.ts), its series bound once per region: through
 * the SDK, hashing its attributes on every add was ~1.7% of a loaded proxy.
 */
export class ProxyMetrics {
  private readonly requests;
  private readonly errors;
  private readonly retries;
  private readonly failovers;
  private readonly transitions;
  private readonly upstreamLatency: HttpClientMetrics;
  private readonly regionAttributes = new Map<string, Readonly<Record<string, string>>>();
  private readonly requestSeries = new Map<string, CounterSeries>();
  /** Unregisters the gauge callbacks, so a closed proxy stops reporting. */
  readonly close: () => void;

  constructor(meter: Meter, health: HealthSource) {
    this.requests = counterFamily(meter, 'setgate.regional_proxy.requests', {
      description: 'Requests forwarded, by target region (the region that was tried first).',
    });
    this.errors = meter.createCounter('setgate.regional_proxy.errors', {
      description: 'Requests the proxy answered with its own error, by target region and code.',
    });
    this.retries = meter.createCounter('setgate.regional_proxy.retries', {
      description: 'Requests retried on another gateway of the same region after a connection error.',
    });
    this.failovers = meter.createCounter('setgate.regional_proxy.failovers', {
      description:
        'Requests sent to a region other than their preferred one, by target region, home region and reason (unhealthy: the preferred region was down; retry: a safe retry crossed regions).',
    });
    this.transitions = meter.createCounter('setgate.regional_proxy.health.transitions', {
      description: 'Gateway health state changes, by region, gateway and new state; a fast-growing count means flapping.',
    });
    // Time from sending a request to a gateway to its response headers (or the failure), in seconds.
    this.upstreamLatency = new HttpClientMetrics(meter, {});
    const regionGauge = meter.createObservableGauge('setgate.regional_proxy.region.healthy', {
      description: 'Health state per target region: 1 while it has a healthy gateway, 0 otherwise.',
    });
    const gatewayGauge = meter.createObservableGauge('setgate.regional_proxy.gateway.healthy', {
      description: 'Health state per gateway: 1 healthy, 0 unhealthy.',
    });
    const observeRegions = (result: ObservableResult) => {
      for (const r of health.regions()) result.observe(r.healthy ? 1 : 0, this.attributesOf(r.region));
    };
    const observeGateways = (result: ObservableResult) => {
      for (const g of health.gateways()) {
        result.observe(g.healthy ? 1 : 0, { 'setgate.region': g.region, 'setgate.gateway': g.id });
      }
    };
    regionGauge.addCallback(observeRegions);
    gatewayGauge.addCallback(observeGateways);
    this.close = () => {
      regionGauge.removeCallback(observeRegions);
      gatewayGauge.removeCallback(observeGateways);
    };
  }

  request(region: string): void {
    let series = this.requestSeries.get(region);
    if (series === undefined) {
      series = this.requests.series(this.attributesOf(region));
      this.requestSeries.set(region, series);
    }
    series.add(1);
  }

  error(region: string, code: string): void {
    this.errors.add(1, { 'setgate.region': region, 'setgate.error.code': code });
  }

  retry(region: string): void {
    this.retries.add(1, this.attributesOf(region));
  }

  failover(region: string, home: string, reason: FailoverReason): void {
    this.failovers.add(1, { 'setgate.region': region, 'setgate.home_region': home, 'setgate.failover.reason': reason });
  }

  transition(t: HealthTransition): void {
    this.transitions.add(1, { 'setgate.region': t.region, 'setgate.gateway': t.gateway, 'setgate.health.state': t.to });
  }

  /** One answered attempt's time to response headers, attributed to its gateway (`setgate.region`, `setgate.gateway`). */
  upstream(ms: number, gatewayAttributes: Readonly<Record<string, string>>, status = 200): void {
    this.attempt(ms, gatewayAttributes, outcomeOfStatus(status));
  }

  /** One attempt that got no answer (refused, timed out, broken). */
  upstreamFailed(ms: number, gatewayAttributes: Readonly<Record<string, string>>, err: unknown): void {
    this.attempt(ms, gatewayAttributes, outcomeOfError(err));
  }

  private attempt(ms: number, gatewayAttributes: Readonly<Record<string, string>>, outcome: ClientOutcome): void {
    const key = gatewayAttributes['setgate.gateway'] ?? '';
    this.upstreamLatency.record(key, () => gatewayAttributes, outcome, ms / 1000);
  }

  private attributesOf(region: string): Readonly<Record<string, string>> {
    let attrs = this.regionAttributes.get(region);
    if (!attrs) {
      attrs = { 'setgate.region': region };
      this.regionAttributes.set(region, attrs);
    }
    return attrs;
  }
}
