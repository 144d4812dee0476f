import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Span, trace, TraceFlags } from '@opentelemetry/api';
import { extractContext, injectContext, parseTraceparent } from '../src/index.js';
import { UnrecordedTracer } from '../src/unrecorded-tracer.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('W3C trace context', () => {
  it('parses a version-00 traceparent with its sampled flag and tracestate', () => {
    const sc = parseTraceparent(`00-${TRACE}-${SPAN}-01`, 'vendor=a,other=b');
    assert.ok(sc);
    assert.equal(sc.traceId, TRACE);
    assert.equal(sc.spanId, SPAN);
    assert.equal(sc.traceFlags, TraceFlags.SAMPLED);
    assert.equal(sc.isRemote, true);
    assert.equal(sc.traceState?.get('vendor'), 'a');
    assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.traceFlags, TraceFlags.NONE);
  });

  it('refuses malformed, version-ff, over-long version-00 and all-zero ids; accepts a future version with more fields', () => {
    for (const bad of [
      undefined,
      ['a', 'b'],
      'garbage',
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
    ]) {
      assert.equal(parseTraceparent(bad as string | undefined), undefined, String(bad));
    }
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-future`)?.traceId, TRACE);
  });

  it('continues the caller trace in a new span and injects it for the next hop', () => {
    const tracer = new UnrecordedTracer();
    const span = tracer.startSpan('GET', {}, extractContext({ traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'k=v' }));
    const sc = span.spanContext();
    assert.equal(sc.traceId, TRACE);
    assert.notEqual(sc.spanId, SPAN);
    assert.match(sc.spanId, /^[0-9a-f]{16}$/);
    assert.equal(span.isRecording(), false);
    const headers: Record<string, string> = {};
    injectContext(span, headers);
    assert.equal(headers.traceparent, `00-${TRACE}-${sc.spanId}-01`);
    assert.equal(headers.tracestate, 'k=v');
    // A child of it (an upstream attempt) keeps the trace and gets its own id.
    const child = tracer.startSpan('attempt', {}, trace.setSpan(extractContext({}), span as Span));
    assert.equal(child.spanContext().traceId, TRACE);
    assert.notEqual(child.spanContext().spanId, sc.spanId);
  });

  it('starts a new unsampled trace without a valid caller context, with fresh ids each time', () => {
    const tracer = new UnrecordedTracer();
    const a = tracer.startSpan('GET', {}, extractContext({ traceparent: 'nonsense' })).spanContext();
    const b = tracer.startSpan('GET', {}, extractContext({})).spanContext();
    assert.match(a.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(a.traceId, b.traceId);
    assert.equal(a.traceFlags, TraceFlags.NONE);
    const headers: Record<string, string> = {};
    injectContext(trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }), headers);
    assert.deepEqual(headers, {}, 'the invalid span propagates nothing');
  });
});
