import type { LoadedTopology } from '@setgate/config';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { type ComponentKind, componentCommand } from '../deploy/entrypoints.js';
import { workloadLabels, workloadSelector } from './labels.js';
import { dataClaim, POD_NAME_ENV, podAnnotations, podSpec, setgateContainer, TOPOLOGY_FILE, WORKERS_FROM_CPU_REQUEST } from './pod.js';
import { secretWiring } from './secret-env.js';

/** What every workload builder needs: the topology the pods run, its hash, the repository root (entrypoints). */
export interface WorkloadContext {
  readonly topology: LoadedTopology;
  readonly topologySha256: string;
  readonly root: string;
}

const RESOURCES: Record<ComponentKind, IContainer['resources']> = {
  'control-plane': { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  'set-runtime': { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
  // Two cores each, so two workers each (WORKERS_FROM_CPU_REQUEST); the autoscaler adds pods past that.
  gateway: { requests: { cpu: '2', memory: '512Mi' }, limits: { memory: '2Gi' } },
  'regional-proxy': { requests: { cpu: '2', memory: '512Mi' }, limits: { memory: '2Gi' } },
};

/** The process's command line: `--id` is the instance id, or the pod's own name for StatefulSet pods. */
function args(ctx: WorkloadContext, kind: ComponentKind, id: string | undefined): string[] {
  return [...componentCommand(ctx.root, kind), ...(id ? ['--id', id] : []), '--config', TOPOLOGY_FILE, '--data', '/data'];
}

/** Pod template of one setgate process. */
function template(ctx: WorkloadContext, kind: ComponentKind, workload: string, region: string | undefined, o: { id?: string; port: number; adminPort: number; persistent: boolean }) {
  const secrets = secretWiring(ctx.topology, kind);
  const container = setgateContainer({
    name: kind,
    args: args(ctx, kind, o.id),
    port: o.port,
    adminPort: o.adminPort,
    // Proxies and gateways are probed by their callers on the traffic port; the others on admin.
    readinessPort: kind === 'gateway' || kind === 'regional-proxy' ? 'traffic' : 'admin',
    env: [POD_NAME_ENV, ...(kind === 'gateway' || kind === 'regional-proxy' ? [WORKERS_FROM_CPU_REQUEST] : []), ...secrets.env],
    volumeMounts: [{ name: 'data', mountPath: '/data' }, ...secrets.volumeMounts],
    resources: RESOURCES[kind],
    ...(kind === 'gateway' || kind === 'regional-proxy' ? { preStopSleepSeconds: 5 } : {}),
  });
  return {
    metadata: { labels: workloadLabels(kind, workload, region), annotations: podAnnotations(o.adminPort, ctx.topologySha256) },
    spec: podSpec([container], workloadSelector(workload), [...(o.persistent ? [] : [{ name: 'data', emptyDir: {} }]), ...secrets.volumes]),
  };
}

/** The ordinal of each node: a set's pods are named `<set>-<k>`, so its node ids must be `<set>-<first>..`. */
function nodeOrdinals(set: LoadedTopology['sets'][number]): number {
  const ordinals = set.nodes.map((n) => (n.id.startsWith(`${set.name}-`) ? Number(n.id.slice(set.name.length + 1)) : Number.NaN));
  const first = ordinals[0] ?? Number.NaN;
  if (!Number.isInteger(first) || ordinals.some((k, i) => k !== first + i)) {
    throw new Error(
      `set ${set.name}: a StatefulSet names its pods ${set.name}-<k>, so its node ids must be ${set.name}-<k> with consecutive k (found ${set.nodes.map((n) => n.id).join(', ')})`,
    );
  }
  return first;
}

/** One StatefulSet per set: a pod per node, named after its node id, each with its own volume for its store. */
export function setStatefulSet(ctx: WorkloadContext, set: LoadedTopology['sets'][number]): IStatefulSet {
  const [first] = set.nodes;
  if (!first) throw new Error(`set ${set.name} has no node`);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: set.name, labels: workloadLabels('set-runtime', set.name, set.region) },
    spec: {
      serviceName: set.name,
      replicas: set.nodes.length,
      ordinals: { start: nodeOrdinals(set) },
      // Nodes of a set do not wait for each other: followers catch up from whichever leader is up.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: workloadSelector(set.name) },
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: template(ctx, 'set-runtime', set.name, set.region, { id: '$(POD_NAME)', port: first.port, adminPort: first.adminPort, persistent: true }),
      volumeClaimTemplates: [dataClaim('10Gi')],
    },
  };
}

/** A stateless instance (gateway or regional proxy) as a Deployment; its HorizontalPodAutoscaler sets the replicas. */
export function instanceDeployment(
  ctx: WorkloadContext,
  kind: 'gateway' | 'regional-proxy',
  i: { readonly id: string; readonly region: string; readonly port: number; readonly adminPort: number },
): IDeployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: i.id, labels: workloadLabels(kind, i.id, i.region) },
    spec: {
      selector: { matchLabels: workloadSelector(i.id) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: template(ctx, kind, i.id, i.region, { id: i.id, port: i.port, adminPort: i.adminPort, persistent: false }),
    },
  };
}

/**
 * The control plane as a StatefulSet. With its embedded file store: one
 * replica and a volume for the versions. With etcd: `replicas` pods, each its
 * own replica id (the pod name), the versions in etcd.
 */
export function controlPlaneStatefulSet(ctx: WorkloadContext, replicas: number): IStatefulSet {
  const cp = ctx.topology.controlPlane;
  if (!cp) throw new Error('the topology has no controlPlane section');
  const ha = cp.store.kind === 'etcd';
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: cp.id, labels: workloadLabels('control-plane', cp.id) },
    spec: {
      serviceName: cp.id,
      replicas: ha ? replicas : 1,
      selector: { matchLabels: workloadSelector(cp.id) },
      template: template(ctx, 'control-plane', cp.id, undefined, { ...(ha ? { id: '$(POD_NAME)' } : {}), port: cp.port, adminPort: cp.adminPort, persistent: !ha }),
      ...(ha ? {} : { volumeClaimTemplates: [dataClaim('1Gi')] }),
    },
  };
}
