import type { Meter } from '@setgate/telemetry';

/** Upstream latency buckets in ms: loopback hops up to the slowest command timeouts. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** The regional proxy's instruments; attribute objects are cached per region so counting allocates nothing. */
export class ProxyMetrics {
  private readonly requests;
  private readonly errors;
  private readonly retries;
  private readonly upstreamLatency;
  private readonly regionAttributes = new Map<string, Readonly<Record<string, string>>>();

  constructor(meter: Meter) {
    this.requests = meter.createCounter('setgate.regional_proxy.requests', {
      description: 'Requests forwarded, by target region.',
    });
    this.errors = meter.createCounter('setgate.regional_proxy.errors', {
      description: 'Requests the proxy answered with its own error, by target region and code.',
    });
    this.retries = meter.createCounter('setgate.regional_proxy.retries', {
      description: 'Requests retried on another gateway of the region after a connection error.',
    });
    this.upstreamLatency = meter.createHistogram('setgate.regional_proxy.upstream.duration', {
      description: 'Time from sending a request to a gateway to its response headers.',
      unit: 'ms',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
    });
  }

  request(region: string): void {
    this.requests.add(1, this.attributesOf(region));
  }

  error(region: string, code: string): void {
    this.errors.add(1, { 'setgate.region': region, 'setgate.error.code': code });
  }

  retry(region: string): void {
    this.retries.add(1, this.attributesOf(region));
  }

  /** One attempt's time to response headers, attributed to its gateway. */
  upstream(ms: number, gatewayAttributes: Readonly<Record<string, string>>): void {
    this.upstreamLatency.record(ms, gatewayAttributes);
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
