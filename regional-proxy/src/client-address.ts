import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { addressGroup } from '@setgate/service-kit';
import { contains, networkMatcher } from './region/cidr.js';

const FORWARDED_FOR = 'x-forwarded-for';

/** Who sent a request, as this first setgate hop can tell. */
export interface ClientOrigin {
  /** What per-client limits count by: the peer, or for a trusted edge the client it forwards for (IPv6 by /64). */
  readonly address: string;
  /** True when the peer is a trusted edge: its X-Forwarded-For chain is kept (and the peer appended). */
  readonly viaTrustedEdge: boolean;
}

/**
 * Client addresses at the regional proxy. Only a configured trusted edge (CDN)
 * may speak for someone else: its X-Forwarded-For is walked from the right past
 * further trusted edges, and the first other valid address is the client. From
 * anyone else the chain is the client's own claim and is ignored: the peer is the
 * client, and the chain sent on is replaced by it.
 */
export class ClientAddresses {
  private readonly edges;
  private readonly hasEdges: boolean;

  constructor(trustedEdges: readonly string[]) {
    this.edges = networkMatcher(trustedEdges);
    this.hasEdges = trustedEdges.length > 0;
  }

  /** The origin of a request from socket peer `peer`. */
  origin(peer: string, headers: IncomingHttpHeaders): ClientOrigin {
    if (!this.hasEdges || !contains(this.edges, peer)) return { address: addressGroup(peer), viaTrustedEdge: false };
    const claimed = headers[FORWARDED_FOR];
    const chain = Array.isArray(claimed) ? claimed.join(',') : claimed;
    if (!chain) return { address: addressGroup(peer), viaTrustedEdge: true };
    const hops = chain.split(',');
    let address = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = (hops[i] as string).trim();
      // A malformed entry was written by someone untrusted: stop at the last good address.
      if (isIP(hop) === 0) break;
      address = hop;
      if (!contains(this.edges, hop)) break;
    }
    return { address: addressGroup(address), viaTrustedEdge: true };
  }

  /** True when `peer` is a trusted edge (exempt from the per-address connection cap: it carries many clients). */
  isTrustedEdge(peer: string): boolean {
    return this.hasEdges && contains(this.edges, peer);
  }
}
