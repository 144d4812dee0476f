import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HeadSampledTracer } from '../src/head-sampled-tracer.js';
import { samplingFromEnv } from '../src/sampling.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const parent = (flags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE, spanId: 'b7ad6b7169203331', traceFlags: flags, isRemote: true });

/** A real SDK tracer as startTelemetry builds it for a parent-based sampler, recording into memory. */
function sdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { tracer: provider.getTracer('test'), exporter };
}

describe('head sampling decided before the SDK', () => {
  it('records under a sampled parent, in its trace, through the SDK', () => {
    const { tracer, exporter } = sdk();
    const span = new HeadSampledTracer(tracer, 0).startSpan('GET x', {}, parent(TraceFlags.SAMPLED));
    assert.equal(span.isRecording(), true);
    assert.equal(span.spanContext().traceId, TRACE);
    span.end();
    assert.equal(exporter.getFinishedSpans().length, 1);
  });

  it('keeps the SDK out under an unsampled parent, yet propagates the trace, unsampled, with a span id of its own', () => {
    const { tracer, exporter } = sdk();
    const span = new HeadSampledTracer(tracer, 1).startSpan('GET x', {}, parent(TraceFlags.NONE));
    assert.equal(span.isRecording(), false);
    const sc = span.spanContext();
    assert.equal(sc.traceId, TRACE);
    assert.notEqual(sc.spanId, 'b7ad6b7169203331');
    assert.equal(sc.traceFlags & TraceFlags.SAMPLED, 0);
    span.end();
    assert.equal(exporter.getFinishedSpans().length, 0);
  });

  it('samples roots at the ratio: none at 0, all at 1, and by its random source in between', () => {
    const { tracer, exporter } = sdk();
    assert.equal(new HeadSampledTracer(tracer, 0).startSpan('GET x', {}, ROOT_CONTEXT).isRecording(), false);
    assert.equal(new HeadSampledTracer(tracer, 1).startSpan('GET x', {}, ROOT_CONTEXT).isRecording(), true);
    const draws = [0.005, 0.5, 0.0099, 0.01];
    const tenth = new HeadSampledTracer(tracer, 0.01, () => draws.shift() as number);
    const recorded = [0, 1, 2, 3].map(() => tenth.startSpan('GET x', {}, ROOT_CONTEXT).isRecording());
    assert.deepEqual(recorded, [true, false, true, false]);
    // An unsampled root is a new trace, flagged unsampled, so the next hop keeps the SDK out too.
    const root = new HeadSampledTracer(tracer, 0).startSpan('GET x', {}, ROOT_CONTEXT).spanContext();
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.equal(root.traceFlags, TraceFlags.NONE);
    assert.equal(exporter.getFinishedSpans().length, 0, 'nothing ended yet');
  });

  it('a span asked to be a root ignores the parent', () => {
    const { tracer } = sdk();
    const span = new HeadSampledTracer(tracer, 0).startSpan('GET x', { root: true }, parent(TraceFlags.SAMPLED));
    assert.equal(span.isRecording(), false);
    assert.notEqual(span.spanContext().traceId, TRACE);
  });

  it('is used for the parent-based samplers, with the root ratio they name', () => {
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' }, true).rootRatio, 0.01);
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, true).rootRatio, 1);
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' }, true).rootRatio, 0);
    assert.equal(samplingFromEnv({}, true).rootRatio, 1);
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }, true).rootRatio, undefined);
    assert.equal(samplingFromEnv({ OTEL_TRACES_SAMPLER: 'always_on' }, true).rootRatio, undefined);
  });
});
