import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { samplingFromEnv } from '../src/sampling.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED, isRemote: true });
const decide = (env: NodeJS.ProcessEnv, ctx = ROOT_CONTEXT) =>
  samplingFromEnv(env, true).sampler.shouldSample(ctx, TRACE, 'GET x', SpanKind.SERVER, {}, []).decision;

describe('head sampling from the OTel environment variables', () => {
  it('defaults to parent-based always-on with an exporter, and to recording nothing without one', () => {
    assert.equal(decide({}), SamplingDecision.RECORD_AND_SAMPLED);
    assert.equal(samplingFromEnv({}, false).mayRecord, false);
  });

  it('follows a sampled parent at a root ratio of 0 (parentbased_traceidratio)', () => {
    const env = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' };
    assert.equal(decide(env), SamplingDecision.NOT_RECORD);
    assert.equal(decide(env, sampledParent), SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('always_off records nothing, even under a sampled parent', () => {
    assert.equal(decide({ OTEL_TRACES_SAMPLER: 'always_off' }, sampledParent), SamplingDecision.NOT_RECORD);
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }, true).mayRecord, false);
  });

  it('keeps SETGATE_TRACE_RATIO as a parent-based ratio when OTEL_TRACES_SAMPLER is unset', () => {
    assert.equal(decide({ SETGATE_TRACE_RATIO: '0' }), SamplingDecision.NOT_RECORD);
    assert.equal(decide({ SETGATE_TRACE_RATIO: '0' }, sampledParent), SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('refuses an unknown sampler or a ratio outside [0, 1] instead of silently turning tracing off', () => {
    assert.throws(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidration' }, true), /not a sampler/);
    assert.throws(() => samplingFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, true), /ratio/);
  });
});
