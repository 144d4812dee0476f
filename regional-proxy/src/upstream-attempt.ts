import type { Dispatcher } from '@setgate/http-client';
import { noteUpstream } from '@setgate/service-kit';
import { injectContext, type Tracer } from '@setgate/telemetry';
import type { FastifyRequest } from 'fastify';
import { answeredAttempt, failedAttempt, startAttemptSpan } from './attempt-span.js';
import type { GatewayUpstream, RegionGateways } from './gateway-balancer.js';
import type { ProxyMetrics } from './metrics.js';
import type { ForwardBody } from './request-body.js';
import type { UpstreamHeaders } from './request-headers.js';

/** What one attempt needs besides the request itself. */
export interface AttemptContext {
  readonly tracer: Tracer;
  readonly metrics: ProxyMetrics;
  /** Deadline for the gateway's response headers, and between body chunks. */
  readonly timeoutMs: number;
}

/**
 * Sends the request to one gateway and resolves with its response once the
 * headers arrive; the body streams on from there. The request counts as in
 * flight on the gateway until then: that is the wait the gateway causes, while
 * the body's pace is the client's. Each attempt is a client span of its own,
 * so a retry shows in the trace and the gateway continues from the right parent.
 */
export async function sendToGateway(
  ctx: AttemptContext,
  request: FastifyRequest,
  gateways: RegionGateways,
  gateway: GatewayUpstream,
  headers: UpstreamHeaders,
  body: ForwardBody | undefined,
): Promise<Dispatcher.ResponseData> {
  const span = startAttemptSpan(ctx.tracer, request, gateway);
  noteUpstream(request, gateway.id);
  // propagation only ever writes string values.
  if (span) injectContext(span, headers as Record<string, string>);
  const started = performance.now();
  try {
    const response = await gateway.pool.request({
      method: request.method as Dispatcher.HttpMethod,
      path: request.url,
      headers,
      // undici accepts async iterables as bodies (docs: Dispatcher.request); its types list streams only.
      body: body as unknown as Dispatcher.RequestOptions['body'],
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
    });
    ctx.metrics.upstream(performance.now() - started, gateway.attributes, response.statusCode);
    answeredAttempt(span, response.statusCode);
    return response;
  } catch (err) {
    ctx.metrics.upstreamFailed(performance.now() - started, gateway.attributes, err);
    failedAttempt(span, err);
    throw err;
  } finally {
    span?.end();
    gateways.release(gateway);
  }
}
