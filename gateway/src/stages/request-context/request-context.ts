// service-kit declares request.span (the hop's server span) on FastifyRequest.
import '@setgate/service-kit';
import type { Span } from '@setgate/telemetry';
import type { NodeRef } from '@setgate/topology';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RouteMatch, RoutingTable } from '@setgate/topology';
import type { Principal } from '../auth/principal.js';

/** Where the routing stage sends a request. */
export interface RouteTarget {
  readonly key: string;
  readonly shard: number;
  /** Placement epoch of the shard in the table the request routes by. */
  readonly epoch: number;
  readonly node: NodeRef;
}

/** The node's answer as forward hands it on. */
export interface UpstreamResponse {
  readonly headers: IncomingHttpHeaders;
  /** The body stream sent to the client as is. */
  readonly body: Readable;
}

/**
 * What the pipeline learns about one request, stage by stage. Each stage
 * fills its own field; later stages read earlier ones. All fields exist from
 * construction so every context has the same shape (one hidden class).
 */
export class RequestContext {
  /** Routing table taken by command-match; the request finishes on this version. */
  table: RoutingTable | undefined = undefined;
  /** Set by command-match. */
  match: RouteMatch | undefined = undefined;
  /** Set by auth. */
  principal: Principal | undefined = undefined;
  /** Set by routing. */
  target: RouteTarget | undefined = undefined;
  /** The node's response, set by forward, read by response-headers. */
  upstream: UpstreamResponse | undefined = undefined;

  constructor(
    /** The request id (x-request-id), set by service-kit. */
    readonly requestId: string,
    /** The server span of this hop, set by service-kit's tracing. */
    readonly span: Span | undefined,
  ) {}
}

/** The fields a stage needs from earlier stages; a missing one is a pipeline-order bug. */
export function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`pipeline order: ${what} is not set`);
  return value;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The gateway's per-request context; set by the request-context stage. */
    setgate: RequestContext;
  }
}
