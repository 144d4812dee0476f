import { Header, SetgateError } from '@setgate/contracts';
import type { Dispatcher } from '@setgate/http-client';
import type { Tracer } from '@setgate/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyErrors } from './errors.js';
import type { GatewayDirectory } from './gateway-directory.js';
import type { ProxyMetrics } from './metrics.js';
import type { RegionSelector } from './region-selector.js';
import { ForwardBody, hasBody } from './request-body.js';
import { upstreamHeaders } from './request-headers.js';
import { copyResponseHeaders } from './response-headers.js';
import { type AttemptContext, sendToGateway } from './upstream-attempt.js';
import { failureKind } from './upstream-failure.js';

/** Everything the forward path is built from. */
export interface ForwardOptions {
  /** This proxy's region. */
  readonly entryRegion: string;
  readonly selector: RegionSelector;
  readonly directory: GatewayDirectory;
  readonly tracer: Tracer;
  readonly metrics: ProxyMetrics;
  readonly upstreamTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** Seconds a client is told to wait when no gateway answers. */
  readonly retryAfterSec: number;
}

const SLASH = 47;

/** A retry may repeat a request the gateway already acted on: only when that is harmless. */
function isRetrySafe(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' || request.method === 'HEAD' || request.headers[Header.idempotencyKey] !== undefined
  );
}

/**
 * The forward path: select the region, pick a gateway, send the request with
 * this hop's headers and the client's body as a stream, and hand the gateway's
 * answer back as it streams in. A connection error before any response is
 * retried once on another gateway of the region when the request is safe to
 * repeat and its body was not read yet.
 */
export function createForwardHandler(opts: ForwardOptions) {
  const retryAfter = String(opts.retryAfterSec);
  const attempt: AttemptContext = {
    tracer: opts.tracer,
    metrics: opts.metrics,
    timeoutMs: opts.upstreamTimeoutMs,
  };

  async function exchange(
    request: FastifyRequest,
    region: string,
    body: ForwardBody | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const gateways = opts.directory.region(region);
    const first = gateways?.acquire();
    if (!gateways || !first) {
      throw ProxyErrors.create('SETGATE_RP_NO_GATEWAY', {
        detail: `region ${region} has no gateway`,
        headers: { 'retry-after': retryAfter },
      });
    }
    const headers = upstreamHeaders(request.headers, {
      entryRegion: opts.entryRegion,
      targetRegion: region,
      requestId: request.id,
      clientAddress: request.ip,
    });
    try {
      return await sendToGateway(attempt, request, gateways, first, headers, body);
    } catch (err) {
      if (failureKind(err) !== 'connection' || !isRetrySafe(request) || body?.opened) throw err;
      const second = gateways.acquire(first);
      if (!second) throw err;
      request.log.warn({ gateway: first.id, err }, 'gateway unreachable, retrying on another');
      opts.metrics.retry(region);
      return await sendToGateway(attempt, request, gateways, second, headers, body);
    }
  }

  function toProxyError(err: unknown, region: string): SetgateError {
    if (err instanceof SetgateError) return err;
    switch (failureKind(err)) {
      case 'connection':
        return ProxyErrors.create('SETGATE_RP_GATEWAYS_UNAVAILABLE', {
          detail: `no gateway of region ${region} could be reached`,
          headers: { 'retry-after': retryAfter },
          cause: err,
        });
      case 'timeout':
        return ProxyErrors.create('SETGATE_RP_GATEWAY_TIMEOUT', {
          detail: `no answer from region ${region} within ${opts.upstreamTimeoutMs} ms`,
          cause: err,
        });
      default:
        return ProxyErrors.create('SETGATE_RP_BAD_GATEWAY', { cause: err });
    }
  }

  function bodyOf(request: FastifyRequest): ForwardBody | undefined {
    if (!hasBody(request.headers)) return undefined;
    // Refused before reading a byte when the client announces too much.
    if (Number(request.headers['content-length']) > opts.bodyLimitBytes) {
      throw ProxyErrors.create('SETGATE_RP_BODY_TOO_LARGE', {
        detail: `request body exceeds ${opts.bodyLimitBytes} bytes`,
        headers: { connection: 'close' },
      });
    }
    return new ForwardBody(request.raw, opts.bodyLimitBytes);
  }

  return async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const region = opts.selector.select(request);
    opts.metrics.request(region);
    let body: ForwardBody | undefined;
    try {
      if (request.url.charCodeAt(0) !== SLASH) {
        throw ProxyErrors.create('SETGATE_RP_BAD_TARGET', { detail: 'absolute-form targets are not proxied' });
      }
      body = bodyOf(request);
      const response = await exchange(request, region, body);
      copyResponseHeaders(response.headers, reply, opts.entryRegion);
      return reply.code(response.statusCode).send(response.body);
    } catch (err) {
      body?.discard();
      const problem = toProxyError(err, region);
      opts.metrics.error(region, problem.code);
      throw problem;
    }
  };
}
