// service-kit declares request.span (the hop's server span) on FastifyRequest.
import '@setgate/service-kit';
import type { Span } from '@setgate/telemetry';
import type { NodeRef } from '@setgate/topology';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RouteMatch, RoutingTable } from '@setgate/topology';
import type { Principal } from '../auth/principal.js';
import type { RoutePlan } from '../routing/route-plan.js';
import type { SessionPositions } from '../routing/session-token.js';

/** Where the routing stage sends a request. */
export interface RouteTarget {
  readonly key: string;
  readonly shard: number;
  /** Placement epoch of the shard in the table the request routes by. */
  readonly epoch: number;
  /** The first candidate of the plan. */
  readonly node: NodeRef;
  /** Every node the request may go to, in order, with their freshness conditions. */
  readonly plan: RoutePlan;
}

/** The node's answer as forward hands it on. */
export interface UpstreamResponse {
  readonly headers: IncomingHttpHeaders;
  /** The body sent to the client as is: read whole when small, a stream when large, text when the gateway looked into it (a 409). */
  readonly body: Buffer | Readable | string;
  /** The node that answered. */
  readonly node: NodeRef;
  /** True when a replica (not the write-point) answered. */
  readonly fromReplica: boolean;
  /** True when served by the stale fallback: the write-point was unreachable and no bound was asked. */
  readonly staleFallback: boolean;
}

/**
 * What the pipeline learns about one request, stage by stage. Each stage
 * fills its own field; later stages read earlier ones. All fields exist from
 * construction so every context has the same shape (one hidden class).
 */
export class RequestContext {
  /** The client's address (X-Forwarded-For believed only from trusted proxies), set by header-hygiene. */
  clientAddress = '';
  /** True when the caller is another setgate hop (a regional proxy), not a client; set by header-hygiene. */
  fromHop = false;
  /** Routing table taken by command-match; the request finishes on this version. */
  table: RoutingTable | undefined = undefined;
  /** Set by command-match. */
  match: RouteMatch | undefined = undefined;
  /** Set by auth. */
  principal: Principal | undefined = undefined;
  /** The client's session positions (its `setgate-session` token), set by routing when sent. */
  session: SessionPositions | undefined = undefined;
  /** Set by routing. */
  target: RouteTarget | undefined = undefined;
  /** A new session token for the client (after a write), set by forward, sent by response-headers. */
  sessionToken: string | undefined = undefined;
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
