/** Whether a gateway takes new requests. */
export type HealthState = 'healthy' | 'unhealthy';

/** The thresholds of the `regionalProxy.health` config section that drive the state machine. */
export interface HealthThresholds {
  /** Consecutive successful checks before an unhealthy gateway takes traffic again. */
  readonly healthyThreshold: number;
  /** Consecutive failed checks that take a healthy gateway out. */
  readonly unhealthyThreshold: number;
  /** Consecutive failed or timed-out requests that take a healthy gateway out without waiting for a check. */
  readonly passiveFailures: number;
}

/** A change of state, as listeners (metrics, logs, the region selector) see it. */
export interface HealthTransition {
  readonly gateway: string;
  readonly region: string;
  readonly to: HealthState;
  /** What tipped it, e.g. `3 failed requests: connection`. */
  readonly reason: string;
}

/** One gateway's health in `/status`. */
export interface GatewayHealthStatus {
  readonly state: HealthState;
  /** When the current state began (ms since epoch). */
  readonly sinceMs: number;
  /** Why the gateway is in this state; undefined for the initial healthy state. */
  readonly reason: string | undefined;
  readonly consecutiveCheckFailures: number;
  readonly consecutiveRequestFailures: number;
  /** Successful checks in a row while unhealthy: the hysteresis streak. */
  readonly recoveryStreak: number;
  readonly lastCheck: { readonly atMs: number; readonly ok: boolean; readonly error?: string } | undefined;
}

/**
 * The health state machine of one gateway, fed by active checks and by the
 * outcome of real requests (passive detection).
 *
 * A gateway starts healthy: the launcher starts gateways before proxies, and
 * refusing traffic until a first check passed would turn every proxy restart
 * into an outage. It goes down after `unhealthyThreshold` failed checks or
 * `passiveFailures` failed requests in a row. Coming back is deliberately
 * slower (hysteresis): only `healthyThreshold` *checks* in a row bring it
 * back; a straggler request that happens to succeed does not count, and any
 * failure restarts the streak, so a gateway that answers every other probe
 * stays out instead of flapping.
 */
export class GatewayHealth {
  private current: HealthState = 'healthy';
  private since = Date.now();
  private why: string | undefined;
  private checkFailures = 0;
  private requestFailures = 0;
  private streak = 0;
  private last: GatewayHealthStatus['lastCheck'];
  /** performance.now() of the last forwarded request's outcome (-Infinity: none yet). */
  private trafficAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly gateway: string,
    readonly region: string,
    private readonly thresholds: HealthThresholds,
    private readonly onTransition: (t: HealthTransition) => void,
  ) {}

  get healthy(): boolean {
    return this.current === 'healthy';
  }

  /** True when the last active check failed (the gateway may be on its way out). */
  get lastCheckFailed(): boolean {
    return this.last?.ok === false;
  }

  /** ms since a forwarded request to this gateway last ended (Infinity: none yet). */
  idleForMs(now = performance.now()): number {
    return now - this.trafficAt;
  }

  /** An active check answered 2xx in time. */
  checkSucceeded(): void {
    this.last = { atMs: Date.now(), ok: true };
    this.checkFailures = 0;
    if (this.current === 'healthy') return;
    this.streak++;
    if (this.streak >= this.thresholds.healthyThreshold) {
      this.become('healthy', `${this.streak} successful checks in a row`);
    }
  }

  /** An active check failed: no connection, a timeout or a non-2xx answer. */
  checkFailed(error: string): void {
    this.last = { atMs: Date.now(), ok: false, error };
    this.streak = 0;
    if (this.current === 'unhealthy') return;
    this.checkFailures++;
    if (this.checkFailures >= this.thresholds.unhealthyThreshold) {
      this.become('unhealthy', `${this.checkFailures} failed checks in a row: ${error}`);
    }
  }

  /** A forwarded request got its response headers. */
  requestSucceeded(): void {
    this.trafficAt = performance.now();
    // Cheap on the hot path: one compare in the common case.
    if (this.requestFailures !== 0 && this.current === 'healthy') this.requestFailures = 0;
  }

  /** A forwarded request failed to connect or timed out. */
  requestFailed(kind: string): void {
    this.trafficAt = performance.now();
    this.streak = 0;
    if (this.current === 'unhealthy') return;
    this.requestFailures++;
    if (this.requestFailures >= this.thresholds.passiveFailures) {
      this.become('unhealthy', `${this.requestFailures} failed requests in a row: ${kind}`);
    }
  }

  status(): GatewayHealthStatus {
    return {
      state: this.current,
      sinceMs: this.since,
      reason: this.why,
      consecutiveCheckFailures: this.checkFailures,
      consecutiveRequestFailures: this.requestFailures,
      recoveryStreak: this.streak,
      lastCheck: this.last,
    };
  }

  private become(state: HealthState, reason: string): void {
    this.current = state;
    this.since = Date.now();
    this.why = reason;
    this.checkFailures = 0;
    this.requestFailures = 0;
    this.streak = 0;
    this.onTransition({ gateway: this.gateway, region: this.region, to: state, reason });
  }
}
