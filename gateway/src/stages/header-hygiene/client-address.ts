import { isIP } from 'node:net';
import type { LoadedTopology } from '@setgate/config';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

function parse(text: string): Address | undefined {
  const t = text.trim();
  if (!ipaddr.isValid(t)) return undefined;
  const a = ipaddr.parse(t);
  // ::ffff:10.0.0.1 is the IPv4 peer seen through a dual-stack socket.
  return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/**
 * The peers whose X-Forwarded-For is believed (the regional proxies' CIDRs).
 * From anyone else the header is ignored, so a client cannot pick the address
 * it is rate-limited by.
 */
export class TrustedProxies {
  private readonly ranges: [Address, number][];

  constructor(cidrs: readonly string[]) {
    this.ranges = cidrs.map((c) => ipaddr.parseCIDR(c));
  }

  /** True when `address` lies in one of the trusted ranges. */
  trusts(address: Address): boolean {
    for (const [range, bits] of this.ranges) {
      if (range.kind() === address.kind() && address.match(range, bits)) return true;
    }
    return false;
  }

  /** True when `peer` (a socket's remote address) is in a trusted range. */
  trustsPeer(peer: string | undefined): boolean {
    const address = peer === undefined ? undefined : parse(peer);
    return address !== undefined && this.trusts(address);
  }

  /**
   * The client's address: the socket peer, unless it is a trusted proxy; then
   * X-Forwarded-For is walked from the right past trusted hops, and the first
   * untrusted (or malformed-stopping) entry is the client.
   */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string {
    let current = peer === undefined ? undefined : parse(peer);
    if (current === undefined) return peer ?? 'unknown';
    if (forwardedFor === undefined || !this.trusts(current)) return current.toString();
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = parse(hops[i] as string);
      // A malformed entry was written by someone untrusted: stop at the last good address.
      if (hop === undefined) break;
      current = hop;
      if (!this.trusts(hop)) break;
    }
    return current.toString();
  }
}

/** The key per-client limits count an address by (IPv6 by /64): one definition for proxy and gateway. */
export { addressGroup } from '@setgate/service-kit';

/**
 * The networks whose X-Forwarded-For a gateway believes: the configured
 * `gateway.trustedProxies` and every regional proxy of the topology whose host
 * is an IP literal (as a single address). Nothing else: on a shared host or
 * network, any other peer is a client, whatever chain it sends.
 */
export function trustedProxyNetworks(topology: Pick<LoadedTopology, 'regions' | 'gateway'>): string[] {
  const networks = new Set(topology.gateway.trustedProxies);
  for (const region of topology.regions) {
    for (const proxy of region.proxies) {
      const family = isIP(proxy.host);
      if (family !== 0) networks.add(`${proxy.host}/${family === 4 ? 32 : 128}`);
    }
  }
  return [...networks];
}
