import type { Attributes, HttpServerMetrics, RouteRecorder } from '@setgate/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';

/** What a listener records per request (see HttpServerMetrics). */
export interface HttpMetricsOptions {
  readonly metrics: HttpServerMetrics;
  /**
   * Names the route of a request on a catch-all fastify route (the gateway: its
   * command); undefined falls back to the fastify route's template. Must come from a
   * bounded set. `attributes` is asked only the first time a method and name are seen.
   */
  readonly routeOf?: (request: FastifyRequest) => string | undefined;
  readonly attributesOf?: (request: FastifyRequest) => Attributes;
}

/** The route of requests no fastify route matched (a raw path would be unbounded). */
export const UNMATCHED_ROUTE = '_unmatched';

/**
 * Records `http.server.*` for every request of the listener. Each route gets its own
 * onResponse hook bound to its template when registered, so a request only looks up
 * its attribute set by method and status (no object is built per request); 404s of
 * fastify's not-found handler are recorded under UNMATCHED_ROUTE.
 */
export function installHttpMetrics(app: FastifyInstance, opts: HttpMetricsOptions): void {
  const { metrics } = opts;
  const release = () => {
    metrics.active--;
  };
  app.addHook('onRequest', (_request, reply, done) => {
    metrics.active++;
    // 'close' fires once per response, finished or aborted alike (`on`: `once` allocates a wrapper).
    reply.raw.on('close', release);
    done();
  });
  const recordAs = (template: string): onResponseHookHandler => {
    const attrsOf = opts.attributesOf;
    return (request, reply, done) => {
      const name = opts.routeOf?.(request) ?? template;
      const method = request.method;
      const recorder: RouteRecorder = metrics.recorder(method, name, attrsOf && (() => attrsOf(request)));
      recorder.record(reply.statusCode, reply.elapsedTime / 1000, requestBytes(request), responseBytes(reply));
      done();
    };
  };
  app.addHook('onRoute', (route) => {
    const own = recordAs(route.url ?? UNMATCHED_ROUTE);
    const hooks = route.onResponse;
    route.onResponse = hooks === undefined ? [own] : Array.isArray(hooks) ? [...hooks, own] : [hooks, own];
  });
  const unmatched = recordAs(UNMATCHED_ROUTE);
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched.call(app, request, reply, done);
    else done();
  });
}

/**
 * Request body bytes as announced by content-length. A request without one (a GET, or a chunked
 * body) is not recorded: each histogram record costs ~1.3 µs, and most requests are bodiless reads.
 */
function requestBytes(request: FastifyRequest): number | undefined {
  const length = request.headers['content-length'];
  return length === undefined ? undefined : Number(length);
}

/** Response body bytes when the length was known; a streamed (chunked) body is left out. */
function responseBytes(reply: FastifyReply): number | undefined {
  const length = reply.getHeader('content-length');
  if (length === undefined) return undefined;
  return typeof length === 'number' ? length : Number(length);
}
