import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { outcomeOfError, outcomeOfStatus, type Tracer } from '@setgate/telemetry';
import type { FastifyRequest } from 'fastify';
import type { GatewayUpstream } from './gateway-balancer.js';
// Brings service-kit's declaration of request.span (the hop's server span) into scope.
import '@setgate/service-kit';

const ATTEMPTS = Symbol('setgate.proxy.attempts');
type Counted = { [ATTEMPTS]?: number };

/**
 * A CLIENT span for one attempt on one gateway, child of the proxy's server
 * span: which gateway and region were chosen and which attempt this is, so a
 * resend to another gateway or region shows as a sibling. Only under a recorded
 * server span: an unsampled request gets an id-only span from the unrecorded
 * tracer (the gateway still continues the trace id).
 */
export function startAttemptSpan(tracer: Tracer, request: FastifyRequest, gateway: GatewayUpstream): Span | undefined {
  const parent = request.span;
  if (!parent) return undefined;
  const raw = request.raw as Counted;
  const attempt = (raw[ATTEMPTS] ?? 0) + 1;
  raw[ATTEMPTS] = attempt;
  const recording = parent.isRecording();
  return tracer.startSpan(
    `${request.method} gateway`,
    {
      kind: SpanKind.CLIENT,
      ...(recording
        ? {
            attributes: {
              ...gateway.attributes,
              'http.request.method': request.method,
              'server.address': gateway.url,
              'setgate.attempt': attempt,
              ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
            },
          }
        : {}),
    },
    trace.setSpan(context.active(), parent),
  );
}

/** Records the gateway's answer on the attempt's span. */
export function answeredAttempt(span: Span | undefined, status: number): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute('http.response.status_code', status);
  span.setAttribute('setgate.outcome', outcomeOfStatus(status));
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

/** Records a failed attempt: refused, timeout or failed (as the client metrics count it). */
export function failedAttempt(span: Span | undefined, err: unknown): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute('setgate.outcome', outcomeOfError(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
}
