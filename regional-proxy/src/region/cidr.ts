import { BlockList, isIP } from 'node:net';

/** A parsed CIDR network. */
export interface Network {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8` or `2001:db8::/32`; throws naming the bad value (the config schema only checks its shape). */
export function parseCidr(cidr: string): Network {
  const slash = cidr.lastIndexOf('/');
  const address = cidr.slice(0, slash);
  const prefix = Number(cidr.slice(slash + 1));
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  if (slash < 0 || version === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`"${cidr}" is not an IPv4 or IPv6 network in CIDR notation`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Adds a network to a block list (Node's CIDR matcher; it matches IPv4-mapped IPv6 peers against IPv4 networks too). */
export function addNetwork(list: BlockList, network: Network): BlockList {
  list.addSubnet(network.address, network.prefix, network.family);
  return list;
}

/** A matcher for any of the given CIDRs. */
export function networkMatcher(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) addNetwork(list, parseCidr(c));
  return list;
}

/** True when `address` (a peer as the socket reports it) lies in `list`; false for anything that is not an IP. */
export function contains(list: BlockList, address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
