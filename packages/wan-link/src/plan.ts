/** An endpoint some process connects to: a listener of an instance in a region. */
export interface WanTarget {
  /** Who listens there, e.g. `eu-west-a-1 admin` (for status pages). */
  readonly name: string;
  readonly region: string;
  readonly host: string;
  readonly port: number;
}

/**
 * What a relay emulates: the regions, their RTT matrix and every endpoint a
 * process in another region may connect to. The relay opens one listener per
 * (source region, target in another region).
 */
export interface WanPlan {
  readonly regions: readonly string[];
  /** Round-trip times in ms, `rttMs[a][b]`, symmetric; one-way delay is half. */
  readonly rttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Extra one-way delay drawn uniformly from [0, jitterMs) per chunk (order is kept). */
  readonly jitterMs?: number;
  readonly targets: readonly WanTarget[];
  /**
   * Address the relay's listeners bind (default 127.0.0.1). A loopback address
   * the topology does not use (e.g. 127.0.0.2) keeps the relay's ports out of
   * the port space the topology's listeners were picked from.
   */
  readonly host?: string;
  /** Local address of the relay's connections to targets (default: the system's choice), for the same reason. */
  readonly upstreamLocalAddress?: string;
  /** Port of the admin endpoint (default: any free one). */
  readonly adminPort?: number;
}

/** Checks a plan's shape and its RTT matrix; throws on the first problem. */
export function checkPlan(plan: WanPlan): void {
  if (!Array.isArray(plan.regions) || plan.regions.length < 2) throw new Error('a WAN plan needs at least two regions');
  for (const a of plan.regions) {
    for (const b of plan.regions) {
      if (a === b) continue;
      const ms = plan.rttMs[a]?.[b];
      if (typeof ms !== 'number' || !(ms >= 0)) throw new Error(`WAN plan has no RTT for ${a} ↔ ${b}`);
    }
  }
  for (const t of plan.targets) {
    if (!plan.regions.includes(t.region)) throw new Error(`WAN target ${t.name} is in unknown region "${t.region}"`);
  }
  if (plan.jitterMs !== undefined && !(plan.jitterMs >= 0)) throw new Error('jitterMs must be ≥ 0');
}
