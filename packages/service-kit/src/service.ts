import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Header, type HopSecrets } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Server as TlsServer } from 'node:tls';
import { readTlsPair, type TlsFiles, watchTlsFiles } from './tls.js';
import { clientErrorResponse, installProblemHandlers, sendProblem } from './errors.js';
import { accessLogEnabled } from './access-log.js';
import { installRefusedBodyDrain, type RefusedBodyDrain } from './refused-body.js';
import { installTracing, type RequestDescriber, tracingChildLoggerFactory, UNTRACED_PATHS } from './tracing.js';

/** Listener limits; matches the topology's `limits` section. */
export interface ServiceLimits {
  readonly bodyLimitBytes: number;
  readonly maxHeaderBytes: number;
  readonly requestTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Slowest request body accepted (average since `bodyGraceMs`); slower is cut with 408 (body-deadlines.ts). */
  readonly bodyMinBytesPerSec: number;
  readonly bodyGraceMs: number;
  /** After a refusal with Retry-After, a client's connection is not read for up to this long (refusal-pacing.ts); 0: off. */
  readonly refusalPauseMs: number;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  bodyLimitBytes: 1048576,
  maxHeaderBytes: 16384,
  requestTimeoutMs: 10000,
  headersTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  bodyMinBytesPerSec: 1024,
  bodyGraceMs: 2000,
  refusalPauseMs: 1000,
};

export interface ServiceOptions {
  readonly telemetry: Telemetry;
  readonly limits?: Partial<ServiceLimits>;
  /**
   * Accept the caller's x-request-id. True behind another setgate hop; the
   * outermost component mints its own so ids cannot be forged into logs.
   */
  readonly trustRequestId?: boolean;
  /** Open a server span and write an access line per request; the admin listener does neither. */
  readonly tracing?: boolean;
  /** Names the server span and access line by what the request was (command, route) and adds the component's span attributes. */
  readonly describeRequest?: RequestDescriber;
  /** More path prefixes neither traced nor access-logged (long-polls), besides health and metrics. */
  readonly untracedPaths?: readonly string[];
  /** An access line per request; default: on unless SETGATE_ACCESS_LOG=off. */
  readonly accessLog?: boolean;
  /**
   * Every request must carry `authorization: Bearer <hop secret>` (a listener only setgate
   * components call: a node's). Checked in the first onRequest hook, so a request without
   * it never reaches a handler; `refuse` makes the component's 401.
   */
  readonly requireHop?: HopRequirement;
  /** How much of a body announced over the limit is read and dropped before its 413, so the client reads it (refused-body.ts). */
  readonly refusedBodyDrain?: RefusedBodyDrain;
  /** Serve HTTPS with these certificate files, reloaded when they change (entry listeners); omitted: HTTP. */
  readonly tls?: TlsFiles;
}

/** How a listener checks its callers' hop secret. */
export interface HopRequirement {
  /** Undefined: no secret is configured and the listener is open (loopback development). */
  readonly secrets: HopSecrets | undefined;
  readonly refuse: () => Error;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** How often the listener sweeps for connections past headersTimeout or requestTimeout. */
export function checkingIntervalMs(limits: Pick<ServiceLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

/**
 * A fastify instance with setgate's defaults: limits and timeouts on the
 * listener, problem+json errors, request ids, trace spans, logs with trace ids.
 */
export function createService(opts: ServiceOptions): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const tracing = opts.tracing !== false;
  const untraced = [...UNTRACED_PATHS, ...(opts.untracedPaths ?? [])];
  const listener = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    // Node checks both timeouts only on this sweep (30 s by default, so a 5 s headersTimeout cut slow
    // headers after 5-35 s). A quarter of the timeout, at most 1 s, holds it to within a second.
    connectionsCheckingInterval: checkingIntervalMs(limits),
  };
  const app = Fastify({
    ...(tracing ? { childLoggerFactory: tracingChildLoggerFactory(opts.telemetry, untraced) } : {}),
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps FastifyInstance's default generics.
    loggerInstance: opts.telemetry.logger as FastifyBaseLogger,
    // Fastify's own request lines are off: installTracing writes one access line per request with the trace and command.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.requestTimeoutMs * 2,
    // https.createServer takes the same listener options as http's, plus the certificate pair.
    ...(opts.tls ? { https: { ...listener, ...readTlsPair(opts.tls) } } : { http: listener }),
    // A shard key (255 latin1 characters) percent-encoded as UTF-8 takes up to 1530; longer answers 400 problem+json.
    routerOptions: { maxParamLength: 2048 },
    // Requests fastify's router refuses before any route or hook (bad percent-encoding, an over-long
    // parameter) get problem+json too, not fastify's own JSON.
    frameworkErrors: (err, request, reply) => {
      sendProblem(request, reply, err);
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers[Header.requestId];
      return opts.trustRequestId && typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => {
      if (socket.writable) socket.end(clientErrorResponse(err.code));
      else socket.destroy(err);
    },
  });
  installProblemHandlers(app);
  installRefusedBodyDrain(app, opts.refusedBodyDrain);
  if (opts.tls) {
    const stop = watchTlsFiles(app.server as unknown as TlsServer, opts.tls, app.log);
    app.addHook('onClose', async () => stop());
  }
  const hop = opts.requireHop;
  if (hop?.secrets) {
    const secrets = hop.secrets;
    app.addHook('onRequest', (request, _reply, done) => {
      if (secrets.acceptsBearer(request.headers.authorization)) done();
      else done(hop.refuse());
    });
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(Header.requestId, request.id);
    done(null, payload);
  });
  if (tracing) {
    installTracing(app, { telemetry: opts.telemetry, describe: opts.describeRequest, accessLog: opts.accessLog ?? accessLogEnabled(), untraced });
  }
  return app;
}
