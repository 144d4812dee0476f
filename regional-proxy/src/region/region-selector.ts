import type { IncomingHttpHeaders } from 'node:http';
import type { Home } from './home-region.js';

/**
 * What a region policy may look at. A fastify request satisfies it as is, so
 * the forward path hands its request over without building anything.
 */
export interface RegionRequest {
  readonly method: string;
  /** Request target (path and query), matched against the route table for command residency. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Peer address of the client connection. */
  readonly ip: string;
}

/** Where a request may go, nearest first. */
export interface RegionChoice {
  /** The region the request belongs to before health and residency are considered. */
  readonly home: Home;
  /** The region that serves it when every region is healthy: the nearest one it may go to. */
  readonly preferred: string | undefined;
  /**
   * Healthy regions that may serve it, nearest to home first. The first takes
   * the request; the next ones take it only on a safe retry. Empty when none
   * is healthy.
   */
  readonly candidates: readonly string[];
  /** Regions the request is limited to (command and tenant residency); undefined when it may go anywhere. */
  readonly residency: ReadonlySet<string> | undefined;
}

/**
 * Picks the regions whose gateways may serve a request. Policies (home region
 * by edge hint or IP range, residency, nearest healthy by RTT) are composed
 * behind this; the forward path only asks.
 */
export interface RegionSelector {
  select(request: RegionRequest): RegionChoice;
}
