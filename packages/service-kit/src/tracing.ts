import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { extractContext, type Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The server span of this hop; outgoing calls inject it as their parent. */
    span?: Span;
  }
}

/** One server span per request, child of the caller's W3C trace context. */
export function installTracing(app: FastifyInstance, telemetry: Telemetry): void {
  app.decorateRequest('span', undefined);
  app.addHook('onRequest', async (request) => {
    const parent = extractContext(request.headers);
    const span = telemetry.tracer.startSpan(
      `${request.method}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.url } },
      parent,
    );
    request.span = span;
    const sc = span.spanContext();
    request.log = request.log.child({ trace_id: sc.traceId, span_id: sc.spanId });
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.span;
    if (!span) return;
    span.updateName(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`);
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
