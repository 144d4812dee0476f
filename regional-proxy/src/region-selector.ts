import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a region policy may look at. A fastify request satisfies it as is, so
 * the forward path hands its request over without building anything.
 */
export interface RegionRequest {
  readonly headers: IncomingHttpHeaders;
  /** Peer address of the client connection. */
  readonly ip: string;
}

/**
 * Picks the region whose gateways serve a request. The policies DESIGN.md
 * names (a trusted edge's geo hint, an IP-range table, the nearest *healthy*
 * region by RTT) are implementations of this; the forward path only asks.
 */
export interface RegionSelector {
  /** Name of the region to route this request to. */
  select(request: RegionRequest): string;
}

/** The foundation policy: every request goes to the proxy's own region. */
export function ownRegionSelector(region: string): RegionSelector {
  return { select: () => region };
}
