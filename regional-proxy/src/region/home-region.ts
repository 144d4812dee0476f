import type { BlockList } from 'node:net';
import { contains, networkMatcher } from './cidr.js';
import { type IpRange, IpRangeTable } from './ip-range-table.js';
import type { RegionRequest } from './region-selector.js';

/** Where a request's home region came from, in `/status` and logs. */
export type HomeSource = 'edge-hint' | 'ip-range' | 'own-region';

/** A request's home region: the region it belongs to before health and residency are considered. */
export interface Home {
  readonly region: string;
  readonly source: HomeSource;
}

/** The parts of the `regionalProxy` config section that decide the home region. */
export interface HomePolicy {
  /** Peers whose region hint is honoured (CIDRs). */
  readonly trustedEdges: readonly string[];
  /** Header carrying a trusted edge's hint (lower-case). */
  readonly regionHintHeader: string;
  readonly ipRanges: readonly IpRange[];
}

/**
 * Decides a request's home region: a trusted edge's region hint, else the
 * client network's region from the IP-range table, else the proxy's own
 * region. A hint is a routing instruction, so it counts only from a peer the
 * config trusts (a CDN that sets it from its own geo lookup); from anyone else
 * it is ignored, as is a hint naming a region the topology does not have.
 */
export class HomeRegionPolicy {
  private readonly trusted: BlockList;
  private readonly hasTrusted: boolean;
  private readonly header: string;
  private readonly ranges: IpRangeTable;
  private readonly own: Home;

  constructor(
    ownRegion: string,
    private readonly regions: ReadonlySet<string>,
    policy: HomePolicy,
  ) {
    this.trusted = networkMatcher(policy.trustedEdges);
    this.hasTrusted = policy.trustedEdges.length > 0;
    this.header = policy.regionHintHeader.toLowerCase();
    this.ranges = new IpRangeTable(policy.ipRanges);
    this.own = { region: ownRegion, source: 'own-region' };
  }

  home(request: RegionRequest): Home {
    if (this.hasTrusted) {
      const hint = request.headers[this.header];
      if (typeof hint === 'string' && this.regions.has(hint) && contains(this.trusted, request.ip)) {
        return { region: hint, source: 'edge-hint' };
      }
    }
    if (this.ranges.size > 0) {
      const region = this.ranges.lookup(request.ip);
      if (region !== undefined && this.regions.has(region)) return { region, source: 'ip-range' };
    }
    return this.own;
  }
}
