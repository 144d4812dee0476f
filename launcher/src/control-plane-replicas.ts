import type { LoadedTopology } from '@setgate/config';
import type { ComponentSpec } from '@setgate/process-supervisor';

/** A further control-plane replica of the same topology (etcd store): its own id and listeners. */
export interface ControlPlaneReplica {
  readonly id: string;
  readonly port: number;
  readonly adminPort: number;
}

/** The process spec of a further replica: the control plane's (`base`), with its own id and ports. */
export function controlPlaneReplicaSpec(replica: ControlPlaneReplica, base: ComponentSpec): ComponentSpec {
  return { ...base, args: [...(base.args ?? []), '--id', replica.id, '--port', String(replica.port), '--admin-port', String(replica.adminPort)] };
}

/** API URLs of the topology's control plane and its further replicas, in the order components try them. */
export function controlPlaneReplicaUrls(topology: LoadedTopology, replicas: readonly ControlPlaneReplica[]): string[] {
  const cp = topology.controlPlane;
  if (!cp) return [];
  const host = cp.host.includes(':') ? `[${cp.host}]` : cp.host;
  return [cp.port, ...replicas.map((r) => r.port)].map((p) => `http://${host}:${p}`);
}
