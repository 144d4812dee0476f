import type { Dispatcher } from '@setgate/http-client';

/** One gateway as the forward path sees it: its pooled dispatcher and current load. */
export interface GatewayUpstream {
  readonly id: string;
  readonly region: string;
  /** Origin the pool is bound to, e.g. http://127.0.0.1:7110. */
  readonly url: string;
  readonly pool: Dispatcher;
  /** Requests sent to this gateway that have not received their response headers yet. */
  inFlight: number;
  /** Metric attributes, built once so the hot path allocates none. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Gateway choice within one region: least requests in flight, ties broken
 * round-robin so an idle region still spreads its load. Health (passive and
 * active, with hysteresis) will filter the candidates here; the forward path
 * only calls `acquire`/`release`.
 */
export class RegionGateways {
  /** Where the next tie-break scan starts. */
  private cursor = 0;

  constructor(
    readonly region: string,
    readonly gateways: readonly GatewayUpstream[],
  ) {}

  /**
   * Picks a gateway and counts the request as in flight on it; undefined when
   * no candidate is left. `exclude` is the gateway an earlier attempt failed on.
   */
  acquire(exclude?: GatewayUpstream): GatewayUpstream | undefined {
    const n = this.gateways.length;
    let best: GatewayUpstream | undefined;
    let bestIndex = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      const candidate = this.gateways[i] as GatewayUpstream;
      if (candidate === exclude) continue;
      // Strictly less: among equals the first one from the cursor wins, which is the round-robin.
      if (best === undefined || candidate.inFlight < best.inFlight) {
        best = candidate;
        bestIndex = i;
      }
    }
    if (best === undefined) return undefined;
    this.cursor = (bestIndex + 1) % n;
    best.inFlight++;
    return best;
  }

  /** Ends the in-flight count of a request acquired on `gateway`. */
  release(gateway: GatewayUpstream): void {
    gateway.inFlight--;
  }
}
