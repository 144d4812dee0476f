import { Header, SetgateError } from '@setgate/contracts';
import { failureKind, receive, type UpstreamAnswer } from '@setgate/http-client';
import type { FastifyRequest } from 'fastify';
import { ProxyErrors } from './errors.js';
import type { GatewayUpstream, RegionGateways } from './gateway-balancer.js';
import type { GatewayDirectory } from './gateway-directory.js';
import type { ProxyMetrics } from './metrics.js';
import type { RegionChoice } from './region/region-selector.js';
import type { ForwardBody } from './request-body.js';
import type { UpstreamHeaders } from './request-headers.js';
import { type AttemptContext, sendToGateway } from './upstream-attempt.js';

/** What the attempt loop needs besides the request. */
export interface ExchangeContext extends AttemptContext {
  readonly directory: GatewayDirectory;
  readonly metrics: ProxyMetrics;
  /** Most gateways one request is sent to, across regions. */
  readonly maxAttempts: number;
  /** Retry-After value on 503 answers. */
  readonly retryAfter: string;
}

/** A gateway's answer and the region it came from. */
export interface Served {
  /** The gateway's answer: a small body read whole, a large one still streaming. */
  readonly response: UpstreamAnswer;
  readonly region: string;
}

/** A retry may repeat a request the gateway already acted on: only when that is harmless. */
export function isRetrySafe(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' || request.method === 'HEAD' || request.headers[Header.idempotencyKey] !== undefined
  );
}

/**
 * Sends a request down its candidate regions, nearest first: a healthy
 * gateway of the first region, and after a connection error (the gateway may
 * be gone) another gateway of the same region, then the next region — only
 * when the request is safe to repeat and its body was not read yet, and never
 * past `maxAttempts`. Every failed connection or timeout counts against the
 * gateway's passive health, so the next requests skip it. A timeout is not
 * retried: the gateway may still be working on it. Throws a SetgateError.
 */
export async function exchangeWithFailover(
  ctx: ExchangeContext,
  request: FastifyRequest,
  choice: RegionChoice,
  headers: UpstreamHeaders,
  body: ForwardBody | undefined,
): Promise<Served> {
  const tried: GatewayUpstream[] = [];
  let failure: Failure | undefined;
  for (const region of choice.candidates) {
    const gateways = ctx.directory.region(region);
    if (!gateways) continue;
    for (let gateway = gateways.acquire(tried); gateway; gateway = gateways.acquire(tried)) {
      if (tried.length >= ctx.maxAttempts) {
        gateways.release(gateway);
        throw unavailable(ctx, failure?.region ?? region, failure?.err);
      }
      const previous = tried.at(-1);
      if (previous?.region === region) ctx.metrics.retry(region);
      else if (previous) ctx.metrics.failover(region, choice.home.region, 'retry');
      tried.push(gateway);
      const outcome = await attempt(ctx, request, { gateways, gateway, region }, headers, body);
      if ('response' in outcome) return outcome;
      failure = outcome;
    }
  }
  throw unavailable(ctx, failure?.region ?? choice.candidates[0] ?? choice.home.region, failure?.err);
}

/** A failed attempt that may be repeated elsewhere. */
interface Failure {
  readonly err: unknown;
  readonly region: string;
}

/** Where one attempt goes. */
interface Destination {
  readonly gateways: RegionGateways;
  readonly gateway: GatewayUpstream;
  readonly region: string;
}

/**
 * One attempt: its outcome feeds the gateway's passive health. Resolves with
 * the answer, or with the failure when another gateway may be tried; throws
 * the client's error when it may not.
 */
async function attempt(
  ctx: ExchangeContext,
  request: FastifyRequest,
  to: Destination,
  headers: UpstreamHeaders,
  body: ForwardBody | undefined,
): Promise<Served | Failure> {
  headers[Header.region] = to.region;
  try {
    // A small answer is read whole here, so a gateway dying mid-body is a failed attempt, not a cut-off response.
    const response = await receive(await sendToGateway(ctx, request, to.gateways, to.gateway, headers, body));
    to.gateway.health.requestSucceeded();
    return { response, region: to.region };
  } catch (err) {
    const kind = failureKind(err);
    if (kind !== 'other') to.gateway.health.requestFailed(kind);
    if (kind !== 'connection' || !isRetrySafe(request) || body?.opened) throw toProxyError(ctx, err, to.region);
    request.log.warn({ gateway: to.gateway.id, region: to.region, err }, 'gateway unreachable, trying the next candidate');
    return { err, region: to.region };
  }
}

function unavailable(ctx: ExchangeContext, region: string, cause: unknown): SetgateError {
  return ProxyErrors.create('SETGATE_RP_GATEWAYS_UNAVAILABLE', {
    detail: `no gateway of region ${region} could be reached`,
    headers: { 'retry-after': ctx.retryAfter },
    cause,
  });
}

/** Maps an attempt's failure onto the catalogue. */
function toProxyError(ctx: ExchangeContext, err: unknown, region: string): SetgateError {
  if (err instanceof SetgateError) return err;
  switch (failureKind(err)) {
    case 'connection':
      return unavailable(ctx, region, err);
    case 'timeout':
      return ProxyErrors.create('SETGATE_RP_GATEWAY_TIMEOUT', {
        detail: `no answer from region ${region} within ${ctx.timeoutMs} ms`,
        cause: err,
      });
    default:
      return ProxyErrors.create('SETGATE_RP_BAD_GATEWAY', { cause: err });
  }
}
