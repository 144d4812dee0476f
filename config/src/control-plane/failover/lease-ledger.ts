import type { LeaseAnswer, LeaseGrantView } from './lease-grants.js';

/**
 * Where the control plane keeps the write-point leases it grants through the
 * watch: one process's memory when it runs alone (lease-grants.ts), etcd when
 * several replicas answer watches (etcd-lease-revocations.ts). The failover
 * controller revokes a down node's lease through it and promotes only once
 * every lease the node may still hold has surely run out.
 */
export interface LeaseLedger {
  /**
   * What the answer to a watch poll that names `node` tells it: a grant, or
   * none ('revoked'). `arrivedAt` is when the poll arrived (monotonic ms): the
   * node counts a grant from when it SENT the poll, which is earlier.
   */
  answer(node: string, arrivedAt: number): LeaseAnswer | Promise<LeaseAnswer>;
  /** Stops granting `node` leases; resolves once no replica can grant one any more. */
  revoke(node: string, why: string): void | Promise<void>;
  /** Grants `node` leases again. */
  restore(node: string): void | Promise<void>;
  isRevoked(node: string): boolean;
  /** ms until every lease `node` may hold has surely run out; 0 when it has. */
  surelyExpiredInMs(node: string, leaseMs: number, clockDriftMs: number): number;
  view(node: string): LeaseGrantView;
}
