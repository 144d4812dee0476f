import { context, type Meter, type Span, type Tracer, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DestinationStream, type Logger, pino } from 'pino';
import { sdkDisabled, startMetrics } from './metrics.js';
import { redactOption } from './redaction.js';
import { stdoutLogDestination } from './log-destination.js';
import { LineWriter } from './line-writer.js';
import { samplingFromEnv } from './sampling.js';
import { UnrecordedTracer } from './unrecorded-tracer.js';
import { HeadSampledTracer } from './head-sampled-tracer.js';
import { WORKER_ATTRIBUTE, type WorkerMetrics } from './worker-metrics.js';
import type { ScopeMetrics } from '@opentelemetry/sdk-metrics';

export { REDACT_PATHS, REDACTED, redactOption } from './redaction.js';
export { CoalescingDestination, fdSink, type SyncSink, stdoutLogDestination } from './log-destination.js';
export { jsonString, type LineLevel, LineWriter } from './line-writer.js';
export { type Sampling, samplingFromEnv } from './sampling.js';
export { extractContext, injectContext, parseTraceparent, traceparentOf } from './trace-context.js';
export { UnrecordedTracer } from './unrecorded-tracer.js';
export { sdkDisabled } from './metrics.js';
export * from './http-metrics.js';
export { type CounterFamily, type CounterSeries, counterFamily, type HistogramFamily, type HistogramSeries, histogramFamily, LocalMetrics } from './local-metrics.js';
export { mergeWorkerMetrics, WORKER_ATTRIBUTE, type WorkerMetrics } from './worker-metrics.js';

export interface TelemetryOptions {
  /** Component kind: gateway, set-runtime, regional-proxy, control-plane. */
  readonly service: string;
  /** Instance id from the topology. */
  readonly instance: string;
  readonly region?: string;
  /** Log level; defaults to SETGATE_LOG_LEVEL or info. */
  readonly logLevel?: string;
  /** Where log lines go; default stdout. Tests read lines back from a stream. */
  readonly logDestination?: DestinationStream;
  /**
   * This process's worker slot when the component runs several (service-kit's workers.ts): its
   * OTLP metrics and spans carry `setgate.worker` so the workers' series stay apart, and its log lines `worker`.
   */
  readonly worker?: number;
}

/** One process's telemetry: logger, tracer, meter and the Prometheus scrape handler. */
export interface Telemetry {
  readonly logger: Logger;
  /**
   * Writes the access lines (line-writer.ts): same level, base fields and destination as
   * `logger`, without its redaction, which an access line (fields setgate builds: method,
   * path without query, route, status, ids) never needs and which cost ~3 µs a line.
   */
  readonly accessLog: LineWriter;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Serves the Prometheus text format on a raw Node response. */
  scrape(req: IncomingMessage, res: ServerResponse): void;
  /** This process's metrics now, for the sibling worker that answers a scrape (worker-metrics.ts). */
  collectMetrics(): Promise<ScopeMetrics[]>;
  /** The Prometheus text of every worker's metrics merged (worker-metrics.ts). */
  renderMetrics(parts: readonly WorkerMetrics[]): string;
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry for the process. Traces use W3C trace context; they are
 * exported over OTLP/HTTP (JSON) when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set, head-sampled
 * as OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG say (sampling.ts; default
 * parent-based always-on with an exporter; without one nothing is recorded for
 * nobody to read, but ids still propagate and appear in logs). Log lines have
 * credentials redacted (redaction.ts). `OTEL_SDK_DISABLED=true` turns metrics
 * and span recording off (metrics.ts).
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const shared = {
    'service.name': `setgate-${opts.service}`,
    'service.instance.id': opts.instance,
    ...(opts.region ? { 'cloud.region': opts.region } : {}),
  };
  const worker = opts.worker === undefined ? {} : { [WORKER_ATTRIBUTE]: String(opts.worker) };
  const resource = resourceFromAttributes({ ...shared, ...worker });

  const spanProcessors: SpanProcessor[] = [];
  // The exporter reads either variable itself (the traces one is the full URL, the other gets /v1/traces appended).
  const otlp = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // OTEL_SDK_DISABLED: nothing is exported or recorded; trace ids still propagate and reach the logs.
  if (otlp && !sdkDisabled()) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  const sampling = samplingFromEnv(process.env, spanProcessors.length > 0);
  // With nothing to export to, or nothing sampled, spans only carry ids: the SDK's work per span would be wasted.
  const recording = spanProcessors.length > 0 && sampling.mayRecord;
  // A parent-based sampler's decision is made before the SDK (head-sampled-tracer.ts): the SDK then sees only
  // spans to record, and samples every root it is handed.
  const { rootRatio } = sampling;
  const sampler = rootRatio === undefined ? sampling.sampler : new ParentBasedSampler({ root: new AlwaysOnSampler() });
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors, sampler });
  // register() installs the W3C trace-context propagator and async context manager globally.
  tracerProvider.register();

  // A merged scrape speaks for the whole process, not for the worker that answered it.
  const metrics = startMetrics(resource, process.env, opts.worker === undefined ? resource : resourceFromAttributes(shared));

  const level = opts.logLevel ?? process.env.SETGATE_LOG_LEVEL ?? 'info';
  const base = {
    service: opts.service,
    instance: opts.instance,
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.worker === undefined ? {} : { worker: opts.worker }),
  };
  const destination = opts.logDestination ?? stdoutLogDestination();
  const logger = pino(
    {
      level,
      redact: redactOption,
      base,
      mixin() {
        const span = trace.getSpan(context.active());
        if (!span) return {};
        const sc = span.spanContext();
        return { trace_id: sc.traceId, span_id: sc.spanId };
      },
    },
    destination,
  );
  // Access lines carry their trace ids themselves (access-log.ts): no mixin either.
  const accessLog = new LineWriter(level, base, destination);

  return {
    logger,
    accessLog,
    tracer: !recording
      ? new UnrecordedTracer()
      : rootRatio === undefined
        ? tracerProvider.getTracer('setgate')
        : new HeadSampledTracer(tracerProvider.getTracer('setgate'), rootRatio),
    meter: metrics.meter,
    scrape: metrics.scrape,
    collectMetrics: () => metrics.collect(),
    renderMetrics: (parts) => metrics.render(parts),
    async shutdown() {
      await Promise.allSettled([tracerProvider.shutdown(), metrics.shutdown()]);
    },
  };
}

/** Log fields that tie a line to its trace. */
export function traceFields(span: Span): { trace_id: string; span_id: string } {
  const sc = span.spanContext();
  return { trace_id: sc.traceId, span_id: sc.spanId };
}

export type { Logger, Meter, Span, Tracer };
// What components need of the OpenTelemetry API to make spans, so they depend on this package alone.
export { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
export type { Attributes, Link, SpanContext } from '@opentelemetry/api';
