import { Header, SetgateError } from '@setgate/contracts';
import { failureKind, neverSent, receive, type UpstreamAnswer, unsendable } from '@setgate/http-client';
import type { FastifyRequest } from 'fastify';
import { ProxyErrors } from './errors.js';
import { gatewaysUnavailable, readFailure, writeOutcomeUnknown } from './exchange-errors.js';
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

/**
 * A write: any method but GET and HEAD. The method alone decides: the
 * topology refuses a `kind: write` command on GET or HEAD (config
 * semantics), so no write command hides behind a safe method. Resending a
 * write may apply it twice unless it never left the proxy.
 */
export function isWrite(request: FastifyRequest): boolean {
  return request.method !== 'GET' && request.method !== 'HEAD';
}

/** A resend of a request that may have reached a gateway is harmless: a read, or a write deduplicated by its idempotency key. */
export function isRetrySafe(request: FastifyRequest): boolean {
  return !isWrite(request) || request.headers[Header.idempotencyKey] !== undefined;
}

/**
 * Sends a request down its candidate regions, nearest first: a healthy
 * gateway of the first region, and after a connection error (the gateway may
 * be gone) another gateway of the same region, then the next region, never
 * past `maxAttempts`. A failed attempt is repeated only when its body was not
 * read yet and the repeat cannot apply anything twice: the request certainly
 * never reached the gateway (neverSent), or it is a read or a keyed write. A
 * timeout is not retried: the gateway may still be working on it. A gateway's
 * failure (refused, reset, no answer) counts against its passive health, so
 * the next requests skip it; a client fault never does (clientFault): an
 * upload broken off or stalled, a request that cannot be sent on.
 *
 * Gives up with: the write's outcome unknown (502) when any attempt of a write
 * may have reached a gateway; 503 "unavailable" (for a write: not applied)
 * only when none could have; a read's last failure. Throws a SetgateError.
 */
export async function exchangeWithFailover(
  ctx: ExchangeContext,
  request: FastifyRequest,
  choice: RegionChoice,
  headers: UpstreamHeaders,
  body: ForwardBody | undefined,
): Promise<Served> {
  const tried: GatewayUpstream[] = [];
  const state: Exchange = { ctx, request, failure: undefined, maybeApplied: undefined };
  for (const region of choice.candidates) {
    const gateways = ctx.directory.region(region);
    if (!gateways) continue;
    for (let gateway = gateways.acquire(tried); gateway; gateway = gateways.acquire(tried)) {
      if (tried.length >= ctx.maxAttempts) {
        gateways.release(gateway);
        throw giveUp(state, region);
      }
      const previous = tried.at(-1);
      if (previous?.region === region) ctx.metrics.retry(region);
      else if (previous) ctx.metrics.failover(region, choice.home.region, 'retry');
      tried.push(gateway);
      const outcome = await attempt(state, { gateways, gateway, region }, headers, body);
      if ('response' in outcome) return outcome;
    }
  }
  throw giveUp(state, choice.candidates[0] ?? choice.home.region);
}

/** A failed attempt, as the exchange remembers it. */
interface Failure {
  readonly err: unknown;
  readonly region: string;
}

/** What one request's exchange has learned so far. */
interface Exchange {
  readonly ctx: ExchangeContext;
  readonly request: FastifyRequest;
  /** The last failed attempt. */
  failure: Failure | undefined;
  /** The first attempt of a write whose request may have reached a gateway: the write may have been applied. */
  maybeApplied: Failure | undefined;
}

/** Where one attempt goes. */
interface Destination {
  readonly gateways: RegionGateways;
  readonly gateway: GatewayUpstream;
  readonly region: string;
}

/**
 * One attempt: its outcome feeds the gateway's passive health, unless the
 * client's body failed it. Resolves with the answer, or with the failure when
 * another gateway may be tried; throws the client's error when it may not.
 */
async function attempt(
  state: Exchange,
  to: Destination,
  headers: UpstreamHeaders,
  body: ForwardBody | undefined,
): Promise<Served | Failure> {
  const { ctx, request } = state;
  headers[Header.region] = to.region;
  try {
    // A small answer is read whole here, so a gateway dying mid-body is a failed attempt, not a cut-off response.
    const response = await receive(await sendToGateway(ctx, request, to.gateways, to.gateway, headers, body));
    to.gateway.health.requestSucceeded();
    return { response, region: to.region };
  } catch (err) {
    // The client broke off or overran its body (or the proxy refused it): the gateway did nothing wrong.
    if (err instanceof SetgateError) throw err;
    const fault = clientFault(err, body);
    if (fault !== undefined) throw fault;
    const kind = failureKind(err);
    if (kind !== 'other') to.gateway.health.requestFailed(kind);
    const failure = { err, region: to.region };
    state.failure = failure;
    const unsent = neverSent(err);
    if (!unsent && isWrite(request)) state.maybeApplied ??= failure;
    const again = !body?.opened && (unsent || (kind === 'connection' && isRetrySafe(request)));
    if (!again) throw giveUp(state, to.region);
    request.log.warn({ gateway: to.gateway.id, region: to.region, err }, 'gateway unreachable, trying the next candidate');
    return failure;
  }
}

/**
 * The client's error when the client, not the gateway, failed the attempt:
 * its body broke off, its upload stalled while the gateway waited for it, or
 * its request cannot be sent on at all (undici refused to build it, before
 * any connection was used). Undefined when the gateway may be at fault.
 */
function clientFault(err: unknown, body: ForwardBody | undefined): SetgateError | undefined {
  if (body?.clientFailed) {
    return ProxyErrors.create('SETGATE_RP_CLIENT_ABORTED', { detail: 'the client broke off its request body', cause: err });
  }
  if (body?.stalledOnClient) {
    return ProxyErrors.create('SETGATE_RP_CLIENT_TIMEOUT', {
      detail: 'the request body stopped arriving and the gateway gave up waiting for it; nothing was applied',
      headers: { connection: 'close' },
      cause: err,
    });
  }
  if (unsendable(err)) return ProxyErrors.create('SETGATE_RP_UNFORWARDABLE', { detail: (err as Error).message, cause: err });
  return undefined;
}

/** The error for an exchange that found no answer (see exchangeWithFailover). */
function giveUp(state: Exchange, region: string): SetgateError {
  const { ctx, request, failure, maybeApplied } = state;
  if (maybeApplied) {
    const keyed = request.headers[Header.idempotencyKey] !== undefined;
    return writeOutcomeUnknown(maybeApplied.err, maybeApplied.region, ctx.timeoutMs, keyed);
  }
  const where = failure?.region ?? region;
  if (failure === undefined || isWrite(request)) return gatewaysUnavailable(where, ctx.retryAfter, isWrite(request), failure?.err);
  return readFailure(failure.err, where, ctx.timeoutMs, ctx.retryAfter);
}
