/** The topology's `gateway.fairness.failedAuth`. */
export interface FailedAuthPolicy {
  /** Failed authentications per window before an address is throttled. */
  readonly max: number;
  readonly windowMs: number;
  /** Most addresses tracked at once. */
  readonly maxAddresses: number;
}

/** One address's failures in its current window. */
interface Window {
  start: number;
  failures: number;
}

/**
 * Failed authentication per client address, in fixed windows: once an address
 * has failed `max` times in a window, its requests are refused until the window
 * ends, before any credential is looked at (guessing keys or tokens costs the
 * guesser, not the gateway). Only failing addresses are tracked, at most
 * `maxAddresses` of them: past that the oldest window is dropped, so a spread
 * attack costs bounded memory (and at worst lets an old address start over).
 */
export class FailedAuthThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly policy: FailedAuthPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** False while no address has failed: callers skip the lookup (and building its key). */
  get tracking(): boolean {
    return this.windows.size > 0;
  }

  /** Ms until `address` may authenticate again; 0 when it may now. */
  blockedForMs(address: string): number {
    const w = this.windows.get(address);
    if (w === undefined) return 0;
    const left = w.start + this.policy.windowMs - this.now();
    if (left > 0) return w.failures < this.policy.max ? 0 : left;
    // An address that comes back after its window is forgotten, so the map shrinks back as clients behave.
    this.windows.delete(address);
    return 0;
  }

  /** Counts one failed authentication of `address`. */
  recordFailure(address: string): void {
    const now = this.now();
    const w = this.windows.get(address);
    if (w !== undefined && now - w.start < this.policy.windowMs) {
      w.failures++;
      return;
    }
    // A new window goes to the end of the map's order, so the first key is always the oldest window.
    if (w !== undefined) this.windows.delete(address);
    else if (this.windows.size >= this.policy.maxAddresses) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
    this.windows.set(address, { start: now, failures: 1 });
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.windows.size;
  }
}
