import { type Context, INVALID_SPANID, INVALID_TRACEID, ROOT_CONTEXT, type Span, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';

// W3C Trace Context level 1: version-traceid-parentid-flags, lowercase hex; later versions may append fields.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The caller's span context from a `traceparent` header, or undefined when it
 * is absent or invalid (then the hop starts a new trace). Version 00 must have
 * exactly four fields; version ff is invalid; all-zero ids are invalid.
 */
export function parseTraceparent(header: string | string[] | undefined, tracestate?: string | string[]): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  // The pattern checked the hex; all-zero ids are the only invalid ones left.
  if (traceId === INVALID_TRACEID || spanId === INVALID_SPANID) return undefined;
  const state = typeof tracestate === 'string' ? tracestate : Array.isArray(tracestate) ? tracestate.join(',') : undefined;
  const sc: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(state ? { traceState: new TraceState(state) } : {}),
  };
  return sc;
}

/**
 * The context a hop's server span continues: the caller's W3C trace context
 * when it sent a valid one, else the root. Parsed directly rather than through
 * the global propagator, which also runs baggage extraction (unused here) and
 * costs several times more per request.
 */
export function extractContext(headers: Record<string, string | string[] | undefined>): Context {
  const parent = parseTraceparent(headers.traceparent, headers.tracestate);
  return parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
}

/**
 * Writes traceparent/tracestate for `span` into outgoing headers (version 00),
 * formatted directly: the propagator API would build a context object per call
 * for the same two strings.
 */
export function injectContext(span: Span, headers: Record<string, string>): void {
  const sc = span.spanContext();
  const parent = traceparentOf(sc);
  if (parent === undefined) return;
  headers.traceparent = parent;
  const state = sc.traceState?.serialize();
  if (state) headers.tracestate = state;
}

/** A span context as a version-00 `traceparent` value; undefined for the invalid (all-zero) context. */
export function traceparentOf(sc: SpanContext): string | undefined {
  // Spans here come from a tracer, so their ids are well-formed; the API's invalid span is all zeros.
  if (sc.traceId === INVALID_TRACEID || sc.spanId === INVALID_SPANID) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00'}`;
}
