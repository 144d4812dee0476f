/**
 * The observability settings the benchmarks price side by side: every
 * process of a stack with metrics and span recording off, and one exporting
 * sampled spans, as the README advises for production. Access lines are logs,
 * not metrics or tracing: they stay on in both (SETGATE_ACCESS_LOG=off is
 * their own switch).
 */

/** What turns metrics and span recording off in every process of a stack. */
export const NO_OBSERVABILITY: Readonly<Record<string, string>> = { OTEL_SDK_DISABLED: 'true' };

/** The head sampling of the traced rows: a parent-based ratio (README: production tracing). */
export const TRACED_SAMPLER = 'parentbased_traceidratio';
export const TRACED_RATIO = '0.01';

/** Every process exports spans over OTLP/HTTP to `sinkUrl`, sampled as above. */
export function tracedEnv(sinkUrl: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: TRACED_SAMPLER, OTEL_TRACES_SAMPLER_ARG: TRACED_RATIO };
}
