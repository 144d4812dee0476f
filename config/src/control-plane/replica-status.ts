import type { ElectionStatus } from './election.js';

/** Which store the control plane runs on and whether it is highly available, as `/v1/status` reports it. */
export interface ControlPlaneReplicaView {
  readonly store: 'file' | 'redis' | 'etcd';
  /** True only on etcd: several replicas, one elected controller, no single process can stop writes. */
  readonly ha: boolean;
  /** The replica that answered. */
  readonly replica: string;
  /** Election state on etcd: whether this replica is active and which one is. */
  readonly election?: ElectionStatus;
}

/** The line `setgate status` prints about the control plane's availability. */
export function describeControlPlane(v: ControlPlaneReplicaView): string {
  if (!v.ha) {
    return `control plane: ${v.store} store, NOT highly available: while this one control plane is down, write-points stop accepting writes once their lease runs out (safe without consensus; use the etcd store for HA)`;
  }
  const e = v.election;
  const who = e ? `replica ${v.replica} ${e.active ? 'is the ACTIVE controller' : 'is standby'}${e.leader && !e.active ? `; active: ${e.leader}` : ''}` : `replica ${v.replica}`;
  return `control plane: etcd store, highly available: every replica serves the API and the watch, one elected replica runs the failover controller; ${who}`;
}
