import type { Socket } from 'node:net';
import { CommonErrors, type SetgateError } from '@setgate/contracts';
import { BodyDeadlines, ClientSlots, hasBody, type ServiceLimits, sendProblem } from '@setgate/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ClientOrigin, ClientAddresses } from './client-address.js';
import { capConnectionsPerAddress } from './connection-cap.js';
import type { RegionalPolicy } from './options.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request (set by the fairness hook, first of all): what limits count by and X-Forwarded-For says. */
    clientOrigin: ClientOrigin;
  }
}

/** What the proxy's fairness guards are built from. */
export interface FairnessOptions {
  /** `regionalProxy.fairness`: per-client in-flight and per-address connection caps. */
  readonly fairness: RegionalPolicy['fairness'];
  /** `regionalProxy.trustedEdges`: the only peers that may speak for another client. */
  readonly trustedEdges: readonly string[];
  /** Listener limits: the minimum body data rate. */
  readonly limits: Pick<ServiceLimits, 'bodyMinBytesPerSec' | 'bodyGraceMs'>;
  /** Retry-After on a 429. */
  readonly retryAfter: string;
}

/** What the guards have done, for /status. */
export interface FairnessStatus {
  readonly clientsInFlight: number;
  readonly addressesConnected: number;
  readonly bodiesWatched: number;
  readonly refusedBusy: number;
}

/**
 * Answers a slow body's 408 at once, then (the answer written) ends the body
 * stream, so the exchange reading it fails as the client's fault (ForwardBody)
 * rather than waiting for the gateway's timeout. Node would not end it: once a
 * response has finished, closing its connection no longer aborts the request.
 */
function cutBody(request: FastifyRequest, reply: FastifyReply, err: SetgateError): void {
  reply.raw.once('close', () => request.raw.destroy(err));
  sendProblem(request, reply, err);
}

// Without a trusted edge the origin depends on the socket peer only: made once per connection.
const ORIGIN = Symbol('setgate.clientOrigin');
type OriginSocket = Socket & { [ORIGIN]?: ClientOrigin };

/**
 * One client must not starve the region: a connection cap per peer address,
 * an in-flight cap per client (429 with Retry-After past either), and a
 * minimum data rate on request bodies (408 past it; the gateway's health
 * never pays for it, see ForwardBody). Every request first learns its client
 * origin here, before any other hook.
 */
export function installFairness(app: FastifyInstance, opts: FairnessOptions): () => FairnessStatus {
  const addresses = new ClientAddresses(opts.trustedEdges);
  const slots = new ClientSlots(opts.fairness.maxInFlightPerClient);
  const connected = capConnectionsPerAddress(app.server, opts.fairness.maxConnectionsPerAddress, (peer) =>
    addresses.isTrustedEdge(peer),
  );
  const deadlines = new BodyDeadlines(opts.limits, cutBody);
  let refusedBusy = 0;

  const originOf = (request: FastifyRequest): ClientOrigin => {
    const socket = request.socket as OriginSocket;
    const cached = socket[ORIGIN];
    if (cached !== undefined) return cached;
    const origin = addresses.origin(request.ip, request.headers);
    // remoteAddress is undefined once the socket is gone; an edge's origin is per request.
    if (!origin.viaTrustedEdge && socket.remoteAddress !== undefined) socket[ORIGIN] = origin;
    return origin;
  };

  app.decorateRequest('clientOrigin', null as unknown as ClientOrigin);
  app.addHook('onRequest', (request, reply, next) => {
    const origin = originOf(request);
    request.clientOrigin = origin;
    // Watched from the start: a body refused here (429) or answered early upstream must still arrive at the rate.
    if (hasBody(request.headers)) deadlines.watch(request, reply);
    if (!slots.holdUntilClosed(origin.address, reply.raw)) {
      refusedBusy++;
      next(
        CommonErrors.create('SETGATE_CLIENT_BUSY', {
          detail: `At most ${opts.fairness.maxInFlightPerClient} requests of one client are forwarded at a time; retry when one has been answered.`,
          headers: { 'retry-after': opts.retryAfter },
        }),
      );
      return;
    }
    next();
  });
  app.addHook('onClose', async () => deadlines.stop());
  return () => ({
    clientsInFlight: slots.clients,
    addressesConnected: connected(),
    bodiesWatched: deadlines.size,
    refusedBusy,
  });
}
