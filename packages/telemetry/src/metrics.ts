import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNoopMeter, diag, type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import type { Resource } from '@opentelemetry/resources';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { type IMetricReader, MeterProvider, PeriodicExportingMetricReader, type ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { attachLocalMetrics, LOCAL_SCOPE, LocalMetrics } from './local-metrics.js';
import { mergeWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

/** A process's metrics: the meter, the Prometheus scrape handler and, when configured, an OTLP push. */
export interface ProcessMetrics {
  readonly meter: Meter;
  scrape(req: IncomingMessage, res: ServerResponse): void;
  /** This process's metrics now, to send to a sibling worker that merges them (worker-metrics.ts). */
  collect(): Promise<ScopeMetrics[]>;
  /** The Prometheus text of several workers' metrics merged into one process's view. */
  render(parts: readonly WorkerMetrics[]): string;
  shutdown(): Promise<void>;
}

const DISABLED_TEXT = '# metrics are off in this process (OTEL_SDK_DISABLED=true)\n';

/**
 * `OTEL_SDK_DISABLED=true` (the OpenTelemetry SDKs' switch): no meter provider,
 * no runtime or host metrics, every instrument a no-op, and `/metrics` answers
 * with no series. For a process whose operator scrapes nothing, and for the
 * benchmarks that price observability against it.
 */
export function sdkDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}

function disabledMetrics(): ProcessMetrics {
  return {
    meter: createNoopMeter(),
    scrape: (_req, res) => {
      res.statusCode = 200;
      res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end(DISABLED_TEXT);
    },
    collect: async () => [],
    render: () => DISABLED_TEXT,
    shutdown: async () => {},
  };
}

/** How often metrics are pushed over OTLP; OTEL_METRIC_EXPORT_INTERVAL (ms) overrides, as the OTel SDKs read it. */
const DEFAULT_EXPORT_INTERVAL_MS = 15_000;

/**
 * Starts the process's MeterProvider: read by Prometheus on the admin `/metrics`,
 * and pushed over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. Runtime metrics
 * (event-loop delay and utilisation, heap, GC) come from OpenTelemetry's
 * runtime-node instrumentation and process CPU and memory from its host-metrics,
 * not from code of ours.
 */
export function startMetrics(resource: Resource, env: NodeJS.ProcessEnv = process.env, mergedResource: Resource = resource): ProcessMetrics {
  if (sdkDisabled(env)) return disabledMetrics();
  // The per-request instruments, aggregated outside the SDK (local-metrics.ts) and read by every reader.
  const local = new LocalMetrics();
  const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [local] });
  const serializer = new PrometheusSerializer();
  const readers: IMetricReader[] = [prometheus];
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? DEFAULT_EXPORT_INTERVAL_MS);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : DEFAULT_EXPORT_INTERVAL_MS,
        metricProducers: [local],
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  // Not registered globally: each instrumentation is handed this provider.
  // Its event-loop delay histogram samples once a second. Each sample wakes an idle process: at 100 ms one
  // process spent ~1.6 ms of CPU a second on it against ~0.1 without (a bare loop, side by side on our
  // 2-core VM), 16 processes in npm start's stack. A stall shorter than a second shows here only when a
  // sample falls due inside it; nodejs.eventloop.utilization sees every busy moment, and the gateway's
  // admission and witness keep monitors of their own at 10–50 ms while they need them. The collector
  // reports only with ≥ 5 samples since the last collection: scrape every 5 s or slower.
  const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 1000 });
  runtime.setMeterProvider(meterProvider);
  runtime.enable();
  // Only the process groups: system-wide CPU, memory and network belong to a node exporter.
  new HostMetrics({ meterProvider, name: 'setgate-host', metricGroups: ['process.cpu', 'process.memory'] }).start();
  const meter = meterProvider.getMeter(LOCAL_SCOPE);
  attachLocalMetrics(meter, local);
  return {
    meter,
    scrape: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    async collect() {
      const { resourceMetrics, errors } = await prometheus.collect();
      if (errors.length > 0) diag.error('metrics collection errors', ...errors);
      return resourceMetrics.scopeMetrics;
    },
    // The exporter's own defaults: no prefix, no timestamps, target_info and scope labels on.
    render: (parts) => serializer.serialize(mergeWorkerMetrics(mergedResource, parts)),
    async shutdown() {
      runtime.disable();
      await meterProvider.shutdown();
    },
  };
}
