import type { IncomingHttpHeaders } from 'node:http';
import { Header, isInternalHeader } from '@setgate/contracts';
import { connectionListed, isHopHeader } from './hop-headers.js';

/** Headers sent to a gateway, in the shape undici takes. */
export type UpstreamHeaders = Record<string, string | string[]>;

/** What the proxy asserts about a request on its way to a gateway. */
export interface RequestFacts {
  /** Region of this proxy. */
  readonly entryRegion: string;
  /** Region whose gateway serves the request. */
  readonly targetRegion: string;
  /** The id this proxy minted; clients cannot choose it. */
  readonly requestId: string;
  /** Peer address of the client connection. */
  readonly clientAddress: string;
  /** True when the peer is a trusted edge: its X-Forwarded-For chain is kept and the peer appended. */
  readonly trustedPeer: boolean;
}

const FORWARDED_FOR = 'x-forwarded-for';

/**
 * Client headers this hop replaces rather than forwards: its own request id
 * and trace context, the forwarded-for chain it extends, and `expect` (the
 * listener already answered 100-continue; undici refuses to send it).
 */
const REPLACED: ReadonlySet<string> = new Set<string>([Header.requestId, Header.traceparent, Header.tracestate, FORWARDED_FOR, 'expect']);

/**
 * Builds the gateway-bound headers from a client's: drops hop-by-hop headers
 * and every `x-setgate-*` a client sent (this is the first setgate hop, so none
 * of them can be genuine), sets X-Forwarded-For to the real peer (extending the chain
 * only of a trusted edge), and sets
 * the entry and target region and the request id. Trace context is added by
 * the caller, per attempt.
 */
export function upstreamHeaders(incoming: IncomingHttpHeaders, facts: RequestFacts): UpstreamHeaders {
  const out: UpstreamHeaders = {};
  const listed = connectionListed(incoming.connection);
  for (const name in incoming) {
    if (isHopHeader(name, listed) || isInternalHeader(name) || REPLACED.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  // Only a trusted edge's chain goes on (with the edge appended as fact); anyone else's chain is a claim
  // that would let a client pick the address its limits count by: it is replaced by the peer.
  const claimed = facts.trustedPeer ? incoming[FORWARDED_FOR] : undefined;
  const chain = Array.isArray(claimed) ? claimed.join(', ') : claimed;
  out[FORWARDED_FOR] = chain ? `${chain}, ${facts.clientAddress}` : facts.clientAddress;
  out[Header.entryRegion] = facts.entryRegion;
  out[Header.region] = facts.targetRegion;
  out[Header.requestId] = facts.requestId;
  return out;
}
