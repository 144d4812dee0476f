import { performance } from 'node:perf_hooks';
import type { Etcd3 } from 'etcd3';
import type { AppendFence } from '../store/etcd-store.js';
import type { LeaseAnswer, LeaseGrantView } from './lease-grants.js';
import type { LeaseLedger } from './lease-ledger.js';

/**
 * A revocation read that has not answered in this long withholds the grant (it
 * never grants on a guess). Short, because a withheld answer costs the node
 * nothing but a prompt retry (config-watcher asks again at once), while an
 * answer held for long eats into the lease it would have renewed.
 */
const READ_TIMEOUT_MS = 300;

export interface EtcdLeaseRevocationsOptions {
  readonly client: Etcd3;
  /** Key prefix of the revocations, e.g. `setgate/config/lease-revoked/`. */
  readonly prefix: string;
  /** The elected controller's campaign key: revocations and restores are written only while it holds. */
  readonly fence: () => AppendFence | undefined;
  readonly now?: () => number;
  readonly readTimeoutMs?: number;
}

/**
 * The write-point leases of the HA control plane (several replicas on etcd).
 * Any replica answers a node's watch, so no replica knows every grant; what
 * they share is etcd. The protocol:
 *
 * - The elected controller REVOKES a down node by writing
 *   `<prefix><node>` (fenced by its campaign key) and notes the moment W the
 *   write was acknowledged. It promotes a replacement only after
 *   W + leaseMs + clockDriftMs.
 * - Every replica, before its answer grants a lease to node N, reads the
 *   revocations (a linearizable etcd read, etcd's default) STARTED after the
 *   poll arrived. A grant is then safe: the node counts it from its poll's
 *   send time S, before the read R. If R saw no revocation, R came before W
 *   in etcd's order, so the lease ends by S + leaseMs < W + leaseMs. If it
 *   saw one, the answer revokes. A read that fails or does not answer in
 *   time WITHHOLDS the grant: a replica cut off from etcd's quorum (or asking
 *   during an etcd leader election) cannot know, so it grants nothing, and it
 *   does not revoke either: the node's current lease stays as safe as it was
 *   and runs out on its own unless a later answer renews it.
 *
 * Why not trust one replica's memory (lease-grants.ts) here: with a one-way
 * partition a node reaches replica B but not the controller on replica A; A
 * declares it down and promotes while B keeps renewing the old write-point's
 * lease, and an async shard then has two write-points. Through etcd, B sees
 * A's revocation before its next grant.
 *
 * Reads are shared: an answer joins a read in flight if that read started
 * after its poll arrived, so a dozen nodes polling cost about one read each
 * round, not one each.
 */
export class EtcdLeaseRevocations implements LeaseLedger {
  private readonly now: () => number;
  private readonly startedAt: number;
  /** Nodes this controller revoked, with when etcd acknowledged it (monotonic ms). */
  private readonly revokedAt = new Map<string, number>();
  /** The revocations etcd held at the last read (any controller's). */
  private known = new Set<string>();
  private inFlight: { startedAt: number; read: Promise<Set<string> | undefined> } | undefined;
  private lastReadError: string | undefined;

  constructor(private readonly opts: EtcdLeaseRevocationsOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.startedAt = this.now();
  }

  async answer(node: string, arrivedAt: number): Promise<LeaseAnswer> {
    const revoked = await this.readAfter(arrivedAt);
    if (revoked === undefined) return 'withheld';
    return revoked.has(node) ? 'revoked' : 'granted';
  }

  async revoke(node: string, why: string): Promise<void> {
    if (this.revokedAt.has(node)) return;
    await this.write(node, JSON.stringify({ why, at: new Date().toISOString() }));
    this.revokedAt.set(node, this.now());
    this.known.add(node);
  }

  async restore(node: string): Promise<void> {
    if (!this.revokedAt.has(node) && !this.known.has(node)) return;
    await this.write(node, undefined);
    this.revokedAt.delete(node);
    this.known.delete(node);
  }

  isRevoked(node: string): boolean {
    return this.revokedAt.has(node) || this.known.has(node);
  }

  /** Unknown until this controller revoked the node itself: then leaseMs + drift after etcd acknowledged it. */
  surelyExpiredInMs(node: string, leaseMs: number, clockDriftMs: number): number {
    const at = this.revokedAt.get(node);
    if (at === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(0, Math.ceil(at + leaseMs + clockDriftMs - this.now()));
  }

  view(node: string): LeaseGrantView {
    const at = this.revokedAt.get(node);
    // Grants are made by every replica, so none is known here: the age counts from the revocation (or start).
    return { node, grantedAgoMs: Math.round(this.now() - (at ?? this.startedAt)), assumed: true, revoked: this.isRevoked(node) };
  }

  /** The last failure of a revocation read, for status; undefined once reads succeed again. */
  readError(): string | undefined {
    return this.lastReadError;
  }

  private readAfter(arrivedAt: number): Promise<Set<string> | undefined> {
    const current = this.inFlight;
    if (current && current.startedAt >= arrivedAt) return current.read;
    const startedAt = this.now();
    const read = this.readAll().finally(() => {
      if (this.inFlight?.read === read) this.inFlight = undefined;
    });
    this.inFlight = { startedAt, read };
    return read;
  }

  private async readAll(): Promise<Set<string> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.opts.readTimeoutMs ?? READ_TIMEOUT_MS);
    });
    try {
      const keys = await Promise.race([this.opts.client.getAll().prefix(this.opts.prefix).keys(), timeout]);
      if (keys === undefined) {
        this.lastReadError = `no answer from etcd in ${this.opts.readTimeoutMs ?? READ_TIMEOUT_MS} ms`;
        return undefined;
      }
      const nodes = new Set(keys.map((k) => k.slice(this.opts.prefix.length)));
      this.known = nodes;
      this.lastReadError = undefined;
      return nodes;
    } catch (err) {
      this.lastReadError = (err as Error).message;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async write(node: string, value: string | undefined): Promise<void> {
    const fence = this.opts.fence();
    if (!fence) throw new Error('not the elected failover controller: lease revocations are written only by it');
    const key = `${this.opts.prefix}${node}`;
    const op = value === undefined ? this.opts.client.delete().key(key) : this.opts.client.put(key).value(value);
    const result = await this.opts.client.if(fence.key, 'Create', '==', fence.createRevision).then(op).commit();
    if (!result.succeeded) throw new Error(`not the elected failover controller any more (${fence.key} is gone)`);
  }
}
