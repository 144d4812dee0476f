import { BlockList } from 'node:net';
import { addNetwork, contains, parseCidr } from './cidr.js';

/** One `regionalProxy.ipRanges` entry. */
export interface IpRange {
  readonly cidr: string;
  readonly region: string;
}

interface Entry {
  readonly prefix: number;
  readonly region: string;
  readonly list: BlockList;
}

/**
 * Client network → home region, longest prefix first: with `10.0.0.0/8 →
 * us-east` and `10.9.0.0/16 → eu-west`, 10.9.1.1 is eu-west, as in any routing
 * table. Equal prefixes keep config order. One block list per entry, because a
 * block list says whether an address matches, not which rule did.
 */
export class IpRangeTable {
  private readonly entries: readonly Entry[];

  constructor(ranges: readonly IpRange[]) {
    this.entries = ranges
      .map((r, order) => {
        const network = parseCidr(r.cidr);
        // Ranked as IPv6 prefixes so an IPv4 /24 and an IPv4-mapped ::ffff:0:0/120 compare as equals.
        const prefix = network.family === 'ipv4' ? network.prefix + 96 : network.prefix;
        return { order, prefix, region: r.region, list: addNetwork(new BlockList(), network) };
      })
      .sort((a, b) => b.prefix - a.prefix || a.order - b.order);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The home region of a client address; undefined when no range covers it. */
  lookup(address: string): string | undefined {
    for (const e of this.entries) if (contains(e.list, address)) return e.region;
    return undefined;
  }
}
