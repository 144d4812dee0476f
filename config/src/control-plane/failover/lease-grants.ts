import { performance } from 'node:perf_hooks';
import type { LeaseLedger } from './lease-ledger.js';

const MAX_TRACKED = 10_000;

/**
 * What a watch answer tells the node that named itself (the `x-setgate-lease` header):
 * - `granted`: a renewal, counted by the node from when it sent the poll;
 * - `revoked`: the node is being failed over: stop admitting writes now;
 * - `withheld`: no renewal, because the control plane cannot tell (its etcd read
 *   failed, e.g. during an etcd leader election). The node keeps what it holds
 *   until that runs out: a lease granted before is still safe (the controller
 *   waits out leaseMs after any revocation), and dropping it would turn an
 *   etcd hiccup into failed writes on every shard.
 */
export type LeaseAnswer = 'granted' | 'revoked' | 'withheld';

/** One node's lease as the control plane last granted it, for status. */
export interface LeaseGrantView {
  readonly node: string;
  /** ms since the control plane last answered this node's watch with a grant (or since its own start). */
  readonly grantedAgoMs: number;
  /** True while the grant counted is the control plane's own start (no answer to this node since). */
  readonly assumed: boolean;
  readonly revoked: boolean;
}

/**
 * The control plane's half of the write-point lease (the node's half is
 * set-runtime/src/replication/lease.ts). Every answer to a watch poll that
 * names a node is a lease grant: the node counts it from the SEND time of its
 * poll, which is before the moment T recorded here (the poll arrived before it
 * was answered). So the node's lease is over, in real time, before
 *
 *     T + leaseMs + clockDriftMs
 *
 * as long as the two monotonic clocks differ in rate by less than
 * (clockDriftMs + leaseMarginMs) / leaseMs. `surelyExpiredInMs` is how long the
 * failover controller must still wait before it may promote a replacement.
 *
 * Cases, argued:
 * - The node was killed: its last answer came before the kill, so the wait
 *   ends at most leaseMs + drift after the kill (that is the RTO floor).
 * - The node is frozen (SIGSTOP) or starved: its pending poll may be answered
 *   while it is frozen, which is recorded as a grant here; the node, when it
 *   wakes, counts that answer from when it sent the poll, i.e. before the
 *   grant, so the wait covers it. A write it admitted before the freeze is
 *   checked against the lease again before it is acknowledged.
 * - One-way partition (the node still reaches the control plane, nobody
 *   reaches it): once the controller has decided the node is down it REVOKES:
 *   answers to that node say `revoked` and are not grants, so the last grant
 *   stops moving and the wait ends. Without the revocation such a node would
 *   renew for ever while its replacement takes writes.
 * - The control plane restarted: it cannot know what the previous process
 *   granted, so it assumes a grant to every node at its own start.
 * - Several control-plane processes on one file store: each answers its own
 *   watchers and records only those grants. That is why the embedded mode runs
 *   ONE control plane; the HA mode (etcd) shares revocations through etcd
 *   instead (etcd-lease-revocations.ts).
 */
export class LeaseGrants implements LeaseLedger {
  private readonly startedAt: number;
  private readonly granted = new Map<string, number>();
  private readonly revokedNodes = new Map<string, string>();

  /** @param now a monotonic clock in ms (performance.now by default). */
  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  /**
   * Called just before the watch route answers a poll naming `node`: records
   * the grant unless the node's lease is revoked, and says which. (Any viewer
   * may name any node; a false name only makes the controller wait longer for
   * that node, and the table is bounded.)
   */
  answer(node: string, _arrivedAt?: number): LeaseAnswer {
    if (this.revokedNodes.has(node)) return 'revoked';
    if (this.granted.has(node) || this.granted.size < MAX_TRACKED) this.granted.set(node, this.now());
    return 'granted';
  }

  /** Stops granting `node` a lease (it is being failed over); its last grant stays what it was. */
  revoke(node: string, why: string): void {
    if (!this.revokedNodes.has(node)) this.revokedNodes.set(node, why);
  }

  /** Grants `node` leases again (it answers again, or leads nothing that was moved). */
  restore(node: string): void {
    this.revokedNodes.delete(node);
  }

  isRevoked(node: string): boolean {
    return this.revokedNodes.has(node);
  }

  /** Monotonic ms of the last grant to `node`, or of this control plane's start. */
  lastGrant(node: string): number {
    return this.granted.get(node) ?? this.startedAt;
  }

  /** ms until every lease `node` may hold has surely run out; 0 when it has. */
  surelyExpiredInMs(node: string, leaseMs: number, clockDriftMs: number): number {
    return Math.max(0, Math.ceil(this.lastGrant(node) + leaseMs + clockDriftMs - this.now()));
  }

  view(node: string): LeaseGrantView {
    const t = this.granted.get(node);
    return {
      node,
      grantedAgoMs: Math.round(this.now() - (t ?? this.startedAt)),
      assumed: t === undefined,
      revoked: this.revokedNodes.has(node),
    };
  }
}
