import { type LoadedTopology, TopologyError, validateTopology } from '@setgate/config';
import { type Mutable, withHosts } from '../compose/compose-topology.js';

/** How the Kubernetes variant of a topology is laid out. */
export interface K8sTopologyOptions {
  /** `etcd`: the control plane keeps its versions in the etcd StatefulSet, with several replicas. Default: the source's store. */
  readonly controlPlaneStore?: 'source' | 'etcd';
  /** etcd members when controlPlaneStore is etcd (default 3). */
  readonly etcdMembers?: number;
  /**
   * Pod network of the cluster: gateways trust X-Forwarded-For only from the
   * regional proxies, whose pod addresses fall in it (default 10.0.0.0/8).
   */
  readonly podCidr?: string;
}

export const ETCD_NAME = 'etcd';
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const REDIS_PORT = 6379;

/** The Service (and Deployment) of a region's rate-limit Redis. */
export const redisName = (region: string): string => `redis-${region}`;

/** DNS name of a StatefulSet pod through its headless Service, from inside the namespace. */
export const podHost = (pod: string, service: string): string => `${pod}.${service}`;

/**
 * The topology the pods run (shipped in a ConfigMap): proxies, gateways and
 * the control plane are reached by their Service names, a node by its pod's
 * name under its set's headless Service (`us-east-a-1.us-east-a`). Every
 * node of a set listens on the set's first node's ports (one pod template per
 * set). Each region's gateways share the region's Redis for rate limits.
 * Secret references are kept as they are: the pods get them from a Secret.
 */
export function k8sTopology(source: LoadedTopology, opts: K8sTopologyOptions = {}): Mutable<LoadedTopology> {
  const doc = withHosts(source, (i) => (i.kind === 'set-runtime' && i.set ? podHost(i.id, i.set) : i.id));
  for (const s of doc.sets) {
    const [first] = s.nodes;
    for (const n of s.nodes) {
      if (!first) break;
      n.port = first.port;
      n.adminPort = first.adminPort;
    }
  }
  for (const r of doc.regions) r.rateLimitRedisUrl = `redis://${redisName(r.name)}:${REDIS_PORT}`;
  doc.gateway.trustedProxies = [opts.podCidr ?? '10.0.0.0/8'];
  if (opts.controlPlaneStore === 'etcd' && doc.controlPlane) {
    const members = opts.etcdMembers ?? 3;
    (doc.controlPlane as { store: unknown }).store = {
      kind: 'etcd',
      endpoints: Array.from({ length: members }, (_, k) => `http://${podHost(`${ETCD_NAME}-${k}`, ETCD_NAME)}:${ETCD_CLIENT_PORT}`),
      prefix: 'setgate/config',
      electionTtlSeconds: 2,
    };
  }
  const result = validateTopology(doc);
  if (!result.ok) throw new TopologyError(result.problems, 'Kubernetes topology');
  return doc;
}
