import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';

/** The head sampler of a process, and whether it can ever record a span. */
export interface Sampling {
  readonly sampler: Sampler;
  /** False when no root is ever sampled and no parent's decision is followed: the process records nothing. */
  readonly mayRecord: boolean;
  /** What was configured, for the start line. */
  readonly description: string;
  /**
   * For the parent-based samplers: the share of new traces sampled (their root sampler's ratio; 1 for
   * always-on, 0 for always-off). The process then decides before the SDK (head-sampled-tracer.ts).
   */
  readonly rootRatio?: number;
}

/**
 * The sampler configured by the OpenTelemetry environment variables
 * (`OTEL_TRACES_SAMPLER`: always_on, always_off, traceidratio,
 * parentbased_always_on, parentbased_always_off, parentbased_traceidratio;
 * `OTEL_TRACES_SAMPLER_ARG`: the ratio), else setgate's older
 * `SETGATE_TRACE_RATIO` as a parent-based ratio. Without an exporter the
 * default is a ratio of 0 (ids still propagate, nothing is recorded); with one,
 * parent-based always-on as the OTel default. An unknown sampler name or a
 * ratio outside [0, 1] throws: a typo must not silently turn tracing off.
 */
export function samplingFromEnv(env: NodeJS.ProcessEnv, hasExporter: boolean): Sampling {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (name === undefined || name === '') {
    const ratio = ratioOf(env.SETGATE_TRACE_RATIO, 'SETGATE_TRACE_RATIO', hasExporter ? 1 : 0);
    return {
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
      mayRecord: ratio > 0,
      description: `parentbased_traceidratio ${ratio}`,
      rootRatio: ratio,
    };
  }
  const arg = () => ratioOf(env.OTEL_TRACES_SAMPLER_ARG, 'OTEL_TRACES_SAMPLER_ARG', 1);
  switch (name) {
    case 'always_on':
      return { sampler: new AlwaysOnSampler(), mayRecord: true, description: name };
    case 'always_off':
      return { sampler: new AlwaysOffSampler(), mayRecord: false, description: name };
    case 'traceidratio': {
      const ratio = arg();
      return { sampler: new TraceIdRatioBasedSampler(ratio), mayRecord: ratio > 0, description: `${name} ${ratio}` };
    }
    case 'parentbased_always_on':
      return { sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), mayRecord: true, description: name, rootRatio: 1 };
    case 'parentbased_always_off':
      // A sampled caller's trace is still followed.
      return { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }), mayRecord: true, description: name, rootRatio: 0 };
    case 'parentbased_traceidratio': {
      const ratio = arg();
      // A sampled caller is followed even at ratio 0.
      return {
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
        mayRecord: true,
        description: `${name} ${ratio}`,
        rootRatio: ratio,
      };
    }
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER=${name} is not a sampler setgate knows (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio)`,
      );
  }
}

function ratioOf(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const ratio = Number(value);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`${name}=${value} is not a ratio between 0 and 1`);
  return ratio;
}
