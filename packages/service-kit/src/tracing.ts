import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { extractContext, type Telemetry, UnrecordedTracer } from '@setgate/telemetry';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { writeAccessLine } from './access-log.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The server span of this hop; outgoing calls inject it as their parent. */
    readonly span: Span | undefined;
  }
}

const SPAN = Symbol('setgate.span');
const UPSTREAM = Symbol('setgate.upstream');
const PROBLEM = Symbol('setgate.problem');
/** The problem a request was answered with: its code, and whether it was a deliberate refusal. */
interface AnsweredProblem {
  readonly code: string;
  readonly refusal: boolean;
}
type TracedMessage = IncomingMessage & { [SPAN]?: Span; [UPSTREAM]?: string; [PROBLEM]?: AnsweredProblem };

/** Records who the request was last sent to (a gateway, a node), for its access line. */
export function noteUpstream(request: FastifyRequest, id: string): void {
  (request.raw as TracedMessage)[UPSTREAM] = id;
}

/** Records the problem a request is answered with, for its access line (its code, and its level when a refusal) and refusal pacing. */
export function noteProblem(request: FastifyRequest, problem: AnsweredProblem): void {
  (request.raw as TracedMessage)[PROBLEM] = problem;
}

/** The problem this component answered the request with, if it did (errors.ts's sendProblem notes it). */
export function answeredProblem(request: FastifyRequest): AnsweredProblem | undefined {
  return (request.raw as TracedMessage)[PROBLEM];
}

/**
 * Paths never traced on any traffic listener: health probes (every component
 * probes every other every few hundred ms) and metrics scrapes. Their spans
 * outnumbered real requests about 100 to 1. They still get span ids, so a log
 * line they write carries ids, but nothing is recorded or exported.
 */
export const UNTRACED_PATHS: readonly string[] = ['/_setgate/', '/metrics'];

// Spans of untraced paths: ids only, no SDK work.
const untracedTracer = new UnrecordedTracer();

/** True when `url` starts with one of `prefixes` (the query string is part of the url, so a prefix match is enough). */
export function isUntraced(url: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (url.startsWith(p)) return true;
  return false;
}

/**
 * Fastify's per-request child-logger factory, extended to open the hop's server
 * span (child of the caller's W3C trace context) and bind its ids into the same
 * child logger. Fastify makes this one child per request anyway; a second
 * `log.child()` in a hook measured ~20 µs of CPU per request, a large share of a
 * proxy hop's budget. The pino child itself (which serialises its bindings when
 * made) is only made when the request first logs: most requests never do.
 * Requests under `untraced` path prefixes get an id-only span.
 */
export function tracingChildLoggerFactory(telemetry: Telemetry, untraced: readonly string[] = UNTRACED_PATHS): FastifyServerOptions['childLoggerFactory'] {
  return (logger, bindings, opts, rawReq) => {
    const req = rawReq as TracedMessage;
    const url = req.url ?? '';
    const tracer = isUntraced(url, untraced) ? untracedTracer : telemetry.tracer;
    const span = tracer.startSpan(req.method ?? 'HTTP', { kind: SpanKind.SERVER }, extractContext(req.headers));
    // Attributes cost only for spans that are recorded (sampled).
    if (span.isRecording()) span.setAttributes(serverAttributes(req, url));
    req[SPAN] = span;
    return new LazyChildLogger(logger, bindings, opts, span) as unknown as FastifyBaseLogger;
  };
}

/** The HTTP semantic-convention attributes known when a request arrives. */
export function serverAttributes(req: IncomingMessage, url: string): Attributes {
  const q = url.indexOf('?');
  const attrs: Attributes = {
    'http.request.method': req.method ?? '',
    // Without the query: it may carry keys or tokens, and is unbounded.
    'url.path': q === -1 ? url : url.slice(0, q),
    'url.scheme': (req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http',
    'network.protocol.version': req.httpVersion,
  };
  const host = hostAndPort(req.headers.host);
  if (host !== undefined) {
    attrs['server.address'] = host.address;
    if (host.port !== undefined) attrs['server.port'] = host.port;
  }
  const peer = req.socket?.remoteAddress;
  if (peer !== undefined) {
    // The immediate peer; a hop that knows the original client (the gateway, from trusted X-Forwarded-For) overrides client.address.
    attrs['network.peer.address'] = peer;
    attrs['client.address'] = peer;
  }
  return attrs;
}

function hostAndPort(host: string | undefined): { address: string; port: number | undefined } | undefined {
  if (host === undefined || host === '') return undefined;
  // [v6]:port, name:port, or either alone.
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (m === null) return undefined;
  return { address: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] === undefined ? undefined : Number(m[2]) };
}

type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type LogArgs = Parameters<FastifyBaseLogger['info']>;

/**
 * A request's logger: the pino child with the request's bindings and trace ids,
 * made on first use. Until then nothing is allocated but this object, so the
 * lines it writes are the ones the eager child would have written.
 */
class LazyChildLogger {
  private made: FastifyBaseLogger | undefined = undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly own: Record<string, unknown>,
    private readonly opts: ChildOptions,
    private readonly span: Span,
  ) {}

  /** The pino child logger, made once. */
  get logger(): FastifyBaseLogger {
    if (this.made === undefined) {
      const sc = this.span.spanContext();
      this.made = this.parent.child({ ...this.own, trace_id: sc.traceId, span_id: sc.spanId }, this.opts) as FastifyBaseLogger;
    }
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? (this.opts?.level as string | undefined) ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  fatal(...args: LogArgs): void {
    this.logger.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.logger.error(...args);
  }
  warn(...args: LogArgs): void {
    this.logger.warn(...args);
  }
  info(...args: LogArgs): void {
    this.logger.info(...args);
  }
  debug(...args: LogArgs): void {
    this.logger.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.logger.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.logger.silent(...args);
  }
  child(bindings: Record<string, unknown>, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
  isLevelEnabled(level: string): boolean {
    return (this.logger as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level);
  }
  bindings(): Record<string, unknown> {
    return (this.logger as unknown as { bindings(): Record<string, unknown> }).bindings();
  }
  flush(): void {
    (this.logger as unknown as { flush(): void }).flush();
  }
}

/** What a component says about a finished request: its server span's name and its access line's fields. */
export interface RequestSummary {
  /** The command name (gateway, node) or route template; the span is named `METHOD route`. */
  readonly route: string;
  /** Who answered upstream (node or gateway id), when the request was forwarded. */
  readonly upstream?: string | undefined;
}

/**
 * Names a finished request and, when `span` is given (it is recording), sets
 * the component's own attributes on it (`setgate.*`, `http.route`). Called once
 * per request, after the response, only when a span records or an access line
 * is written. Undefined: the fastify route template names it.
 */
export type RequestDescriber = (request: FastifyRequest, reply: FastifyReply, span: Span | undefined) => RequestSummary | undefined;

/** How a listener traces and logs its requests. */
export interface RequestObservation {
  readonly telemetry: Telemetry;
  readonly describe?: RequestDescriber | undefined;
  /** An access line per request (access-log.ts). */
  readonly accessLog: boolean;
  /** Path prefixes neither traced nor access-logged: health probes, scrapes, long-polls. */
  readonly untraced: readonly string[];
}

/**
 * Exposes the span as `request.span`; when the response is sent, names the
 * span `METHOD route`, sets the status attributes and ends it, and writes the
 * access line. Unsampled spans with the access log off skip all of it but `end()`.
 */
export function installTracing(app: FastifyInstance, obs: RequestObservation): void {
  app.decorateRequest('span', {
    getter(this: { raw: TracedMessage }) {
      return this.raw[SPAN];
    },
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = (request.raw as TracedMessage)[SPAN];
    if (span !== undefined) {
      observeFinished(obs, request, reply, span);
      span.end();
    }
    done();
  });
}

/** Names and completes a finished request's recording span and writes its access line. */
function observeFinished(obs: RequestObservation, request: FastifyRequest, reply: FastifyReply, span: Span): void {
  const recording = span.isRecording();
  const logged = obs.accessLog && !isUntraced(request.url, obs.untraced);
  if (!recording && !logged) return;
  const summary = obs.describe?.(request, reply, recording ? span : undefined);
  const route = summary?.route ?? request.routeOptions.url ?? 'unmatched';
  const status = reply.statusCode;
  if (recording) {
    span.updateName(`${request.method} ${route}`);
    if (summary === undefined) span.setAttribute('http.route', route);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  if (!logged) return;
  const sc = span.spanContext();
  const q = request.url.indexOf('?');
  const problem = answeredProblem(request);
  writeAccessLine(obs.telemetry.accessLog, {
    ...(problem ? { problem } : {}),
    method: request.method,
    path: q === -1 ? request.url : request.url.slice(0, q),
    route,
    status,
    durationMs: reply.elapsedTime,
    upstream: summary?.upstream ?? (request.raw as TracedMessage)[UPSTREAM],
    requestId: request.id,
    traceId: sc.traceId,
    spanId: sc.spanId,
  });
}
