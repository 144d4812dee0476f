import { performance } from 'node:perf_hooks';

/** The lease's timings, read on every check so a config swap applies at once. */
export interface LeaseTimings {
  /** replication.leaseMs: how long one renewal lasts, counted from when it was asked for. */
  readonly leaseMs: number;
  /** replication.leaseMarginMs: taken off every lease, for clock-rate differences and the last check's own latency. */
  readonly marginMs: number;
}

/** Where the lease stands, for `/status` and for refusals. */
export interface LeaseState {
  readonly valid: boolean;
  /** ms since the send time of the renewal in force; -1 when never renewed. */
  readonly ageMs: number;
  /** ms left until expiry (≤ 0 when expired). */
  readonly remainingMs: number;
  /** Config version the last renewal confirmed. */
  readonly version?: number;
}

/**
 * The write-point's lease: it may admit and acknowledge writes only while it
 * can prove, on its OWN MONOTONIC clock, that the control plane confirmed its
 * config recently:
 *
 *     expiry = sentAt(last successful renewal) + leaseMs − marginMs
 *
 * where sentAt is when the node SENT the request whose answer renewed it, never
 * when the answer arrived. Why that matters: a process frozen (SIGSTOP, a GC or
 * VM pause, a starved CPU) may find an answer sitting in its socket when it
 * wakes; the answer says "your version was current when I answered", which was
 * at some time after sentAt and before the freeze ended. Counting from arrival
 * would stretch the lease across the whole freeze (issue 11, finding 2: a leader
 * frozen 32 s admitted a write at its old epoch 17 s after its replacement was
 * published). Counting from sentAt, the old answer renews nothing usable.
 *
 * The control plane's side of the bargain (config/src/control-plane/failover/
 * lease-grants.ts): it remembers, per node, the last time T it ANSWERED that
 * node's watch, and promotes a replacement only after T + leaseMs + drift. The
 * node's expiry sentAt + leaseMs − margin lies before that in real time because
 * sentAt ≤ T (the answer comes after the request) and the margin plus the
 * drift allowance cover the two monotonic clocks running at slightly different
 * rates. performance.now() is monotonic: a wall-clock step (NTP, an operator)
 * neither extends nor shortens a lease.
 *
 * Only answers to the node's own requests renew: a pushed topology
 * (`PUT /internal/topology`) carries no send time the node could trust, and a
 * push delivered late after a freeze would be exactly the stale renewal this
 * class exists to refuse.
 */
export class Lease {
  private sentAt: number | undefined;
  /** Answers to requests sent before this were overtaken by a revocation. */
  private floor = Number.NEGATIVE_INFINITY;
  private confirmedVersion: number | undefined;

  /**
   * @param timings read on every check.
   * @param now a monotonic clock in ms (performance.now by default; tests pass their own).
   * @param grantedAtStart true: counts as renewed at construction (in-process nodes of tests and
   *   benchmarks, which have no renewal source); a real node starts WITHOUT a lease and earns one
   *   from its first answered watch, so a restarted old leader cannot write on a stale file's word.
   */
  constructor(
    private readonly timings: () => LeaseTimings,
    private readonly now: () => number = () => performance.now(),
    grantedAtStart = true,
  ) {
    if (grantedAtStart) this.sentAt = now();
  }

  /**
   * A renewal confirmed by an answer to a request sent at `sentAt` (same clock
   * as `now`). Renewals only move the lease forward: an old answer processed
   * after a newer one changes nothing.
   */
  renew(sentAt: number, version?: number): void {
    if ((this.sentAt !== undefined && sentAt < this.sentAt) || sentAt < this.floor) return;
    this.sentAt = sentAt;
    if (version !== undefined) this.confirmedVersion = version;
  }

  /**
   * Drops the lease at once (the control plane said it withholds it, in an
   * answer to a request sent at `sentAt`); answers to older requests no longer renew.
   */
  revoke(sentAt: number = this.now()): void {
    this.sentAt = undefined;
    this.floor = Math.max(this.floor, sentAt);
  }

  /** ms since the send time of the renewal in force; -1 when never renewed. */
  age(): number {
    return this.sentAt === undefined ? -1 : Math.round(this.now() - this.sentAt);
  }

  /** Monotonic ms of expiry; -Infinity when never renewed. */
  expiresAt(): number {
    if (this.sentAt === undefined) return Number.NEGATIVE_INFINITY;
    const t = this.timings();
    return this.sentAt + t.leaseMs - t.marginMs;
  }

  valid(): boolean {
    return this.now() < this.expiresAt();
  }

  state(): LeaseState {
    const remaining = this.expiresAt() - this.now();
    return {
      valid: remaining > 0,
      ageMs: this.age(),
      remainingMs: Number.isFinite(remaining) ? Math.round(remaining) : -1,
      ...(this.confirmedVersion === undefined ? {} : { version: this.confirmedVersion }),
    };
  }
}
