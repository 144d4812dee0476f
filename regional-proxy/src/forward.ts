import { Header, type HopSecrets, type SetgateError } from '@setgate/contracts';
import { toSetgateError } from '@setgate/service-kit';
import type { Tracer } from '@setgate/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyErrors } from './errors.js';
import { type ExchangeContext, exchangeWithFailover } from './failover-exchange.js';
import type { GatewayDirectory } from './gateway-directory.js';
import type { ProxyMetrics } from './metrics.js';
import type { RegionChoice, RegionSelector } from './region/region-selector.js';
import { ForwardBody, hasBody } from './request-body.js';
import { upstreamHeaders } from './request-headers.js';
import { copyResponseHeaders } from './response-headers.js';

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
  /** Most gateways one request is sent to, across regions. */
  readonly maxAttempts: number;
  /** The stack's hop secrets: the current one tells gateways this is a proxy (x-setgate-hop). */
  readonly hopSecrets?: HopSecrets;
}

const SLASH = 47;

/**
 * The forward path: select the candidate regions (home, residency, health),
 * send the request with this hop's headers and the client's body as a stream
 * to a gateway of the nearest one, failing over when that is safe, and hand
 * the gateway's answer back: a small one (declared ≤ 64 KiB) read whole and
 * sent in one write, a larger one as it streams in.
 */
export function createForwardHandler(opts: ForwardOptions) {
  const retryAfter = String(opts.retryAfterSec);
  const ctx: ExchangeContext = {
    tracer: opts.tracer,
    metrics: opts.metrics,
    timeoutMs: opts.upstreamTimeoutMs,
    directory: opts.directory,
    maxAttempts: opts.maxAttempts,
    retryAfter,
  };

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

  /** 503 when no region may take the request; residency-limited requests say which regions they are held to. */
  function noRegion(choice: RegionChoice): SetgateError {
    const headers = { 'retry-after': retryAfter };
    if (choice.residency === undefined) {
      return ProxyErrors.create('SETGATE_RP_NO_HEALTHY_REGION', { detail: 'no region has a healthy gateway', headers });
    }
    const regions = [...choice.residency].sort();
    return ProxyErrors.create('SETGATE_RP_RESIDENCY_UNAVAILABLE', {
      detail: regions.length
        ? `this request may only be served in ${regions.join(', ')}, and none of them is healthy`
        : 'the command and tenant residencies of this request have no region in common',
      extensions: { residency: regions },
      headers,
    });
  }

  return async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const choice = opts.selector.select(request);
    const target = choice.candidates[0];
    const region = target ?? choice.preferred ?? choice.home.region;
    opts.metrics.request(region);
    if (target !== undefined && target !== choice.preferred) opts.metrics.failover(target, choice.home.region, 'unhealthy');
    let body: ForwardBody | undefined;
    try {
      if (request.url.charCodeAt(0) !== SLASH) {
        throw ProxyErrors.create('SETGATE_RP_BAD_TARGET', { detail: 'absolute-form targets are not proxied' });
      }
      if (target === undefined) throw noRegion(choice);
      body = bodyOf(request);
      const headers = upstreamHeaders(request.headers, {
        entryRegion: opts.entryRegion,
        targetRegion: target,
        requestId: request.id,
        clientAddress: request.ip,
        trustedPeer: request.clientOrigin?.viaTrustedEdge === true,
      });
      if (opts.hopSecrets !== undefined) headers[Header.hop] = opts.hopSecrets.current;
      const served = await exchangeWithFailover(ctx, request, choice, headers, body);
      copyResponseHeaders(served.response.headers, reply, opts.entryRegion, served.region);
      return reply.code(served.response.statusCode).send(served.response.body);
    } catch (err) {
      body?.discard();
      // Already answered (a body cut for its data rate): the failed exchange has nothing left to say.
      if (reply.sent) return reply;
      // The proxy's own answers say where they were given, like forwarded ones.
      reply.header(Header.entryRegion, opts.entryRegion);
      const problem = toSetgateError(err);
      opts.metrics.error(region, problem.code);
      throw problem;
    }
  };
}
