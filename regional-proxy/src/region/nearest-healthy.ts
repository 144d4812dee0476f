import type { HomeRegionPolicy } from './home-region.js';
import type { RegionChoice, RegionRequest, RegionSelector } from './region-selector.js';
import type { ResidencyPolicy } from './residency.js';

/** What the nearest-healthy selector is composed of. */
export interface NearestHealthyOptions {
  readonly home: HomeRegionPolicy;
  readonly residency: ResidencyPolicy;
  /** Every region, nearest to `from` first, itself first (the topology's RTT matrix). */
  readonly byDistance: (from: string) => readonly string[];
  /** True while the region has a healthy gateway. */
  readonly isHealthy: (region: string) => boolean;
}

/**
 * The region policy DESIGN.md describes: home region (trusted edge hint, IP
 * range, own region), then the nearest healthy region by RTT among those the
 * request's residency allows. Unrestricted requests reuse a per-home list
 * that is rebuilt only after a health transition (`healthChanged`), so the hot
 * path does no filtering while nothing changes.
 */
export class NearestHealthySelector implements RegionSelector {
  private readonly unrestricted = new Map<string, readonly string[]>();

  constructor(private readonly opts: NearestHealthyOptions) {}

  /** Forgets the cached candidate lists; call on every health transition. */
  healthChanged(): void {
    this.unrestricted.clear();
  }

  select(request: RegionRequest): RegionChoice {
    const home = this.opts.home.home(request);
    const residency = this.opts.residency.allowed(request);
    if (residency === undefined) {
      return { home, preferred: home.region, candidates: this.healthyFrom(home.region), residency };
    }
    const ordered = this.opts.byDistance(home.region).filter((r) => residency.has(r));
    return {
      home,
      preferred: ordered[0],
      candidates: ordered.filter((r) => this.opts.isHealthy(r)),
      residency,
    };
  }

  private healthyFrom(home: string): readonly string[] {
    let list = this.unrestricted.get(home);
    if (list === undefined) {
      list = this.opts.byDistance(home).filter((r) => this.opts.isHealthy(r));
      this.unrestricted.set(home, list);
    }
    return list;
  }
}
