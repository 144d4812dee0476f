import type { IContainer } from 'kubernetes-models/v1/Container';
import { WORKERS_ENV } from '@setgate/contracts';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

/** The setgate image; kustomization.yaml's `images` entry retags it. */
export const SETGATE_IMAGE = 'setgate:0.1.0';
/** The ConfigMap that holds the Kubernetes topology, mounted at TOPOLOGY_DIR. */
export const TOPOLOGY_CONFIGMAP = 'setgate-topology';
export const TOPOLOGY_DIR = '/etc/setgate';
export const TOPOLOGY_FILE = `${TOPOLOGY_DIR}/topology.yaml`;
/** The image's user (node's uid in node:*-slim); also the PVCs' group. */
export const APP_UID = 1000;

/** Kubernetes expands $(POD_NAME) in args: a StatefulSet pod's name is its node (or replica) id. */
export const POD_NAME_ENV: IEnvVar = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

/**
 * One worker per core the pod requests (the downward API rounds `requests.cpu` up to whole cores).
 * Not `auto`: in a container Node sees the node's every core, not the pod's share.
 */
export const WORKERS_FROM_CPU_REQUEST: IEnvVar = {
  name: WORKERS_ENV,
  valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1' } },
};

const HEALTH_PATH = '/_setgate/health';

/**
 * Probes of a setgate process: `/_setgate/health` answers once the listener is up.
 * Readiness asks the port its callers use (proxies probe gateways on the traffic
 * port); liveness the admin listener, with room for a busy node; the startup
 * probe gives a slow start up to three minutes before liveness counts.
 */
export function setgateProbes(readinessPort: string): Pick<IContainer, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const probe = (port: string, extra: Partial<IProbe>): IProbe => ({ httpGet: { path: HEALTH_PATH, port }, timeoutSeconds: 2, ...extra });
  return {
    startupProbe: probe('admin', { periodSeconds: 2, failureThreshold: 90 }),
    readinessProbe: probe(readinessPort, { periodSeconds: 5, failureThreshold: 3 }),
    livenessProbe: probe('admin', { periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 }),
  };
}

/** No privileges, nothing writable but the mounted volumes. */
export const restrictedContainer: IContainer['securityContext'] = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export interface SetgateContainerOptions {
  readonly name: string;
  /** The full command (node + module + its flags): the image's init stays the entrypoint. */
  readonly args: string[];
  readonly port: number;
  readonly adminPort: number;
  readonly readinessPort: 'traffic' | 'admin';
  readonly env: IEnvVar[];
  readonly volumeMounts: IVolumeMount[];
  readonly resources: IContainer['resources'];
  /**
   * Behind a load-balanced Service: wait this long after the pod is marked for
   * deletion before SIGTERM, so the endpoint is gone everywhere before the
   * listener closes (no request sent to a closing pod during a rollout).
   */
  readonly preStopSleepSeconds?: number;
}

/** One setgate process: listens on all pod addresses (SETGATE_BIND_HOST), peers reach it by the topology's host. */
export function setgateContainer(o: SetgateContainerOptions): IContainer {
  return {
    name: o.name,
    image: SETGATE_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: o.args,
    env: [
      { name: 'SETGATE_BIND_HOST', value: '0.0.0.0' },
      { name: 'SETGATE_LOG_LEVEL', value: 'info' },
      ...o.env,
    ],
    ports: [
      { name: 'traffic', containerPort: o.port, protocol: 'TCP' },
      { name: 'admin', containerPort: o.adminPort, protocol: 'TCP' },
    ],
    ...setgateProbes(o.readinessPort),
    resources: o.resources,
    ...(o.preStopSleepSeconds ? { lifecycle: { preStop: { sleep: { seconds: o.preStopSleepSeconds } } } } : {}),
    securityContext: restrictedContainer,
    volumeMounts: [
      { name: 'topology', mountPath: TOPOLOGY_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...o.volumeMounts,
    ],
  };
}

/**
 * What every pod here shares: no service-account token (nothing calls the
 * Kubernetes API), no service links (every Service's address in the
 * environment: nothing reads them), a non-root user whose group owns the volumes.
 */
export function hardenedPod(uid: number): Pick<IPodSpec, 'automountServiceAccountToken' | 'enableServiceLinks' | 'securityContext'> {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: 'RuntimeDefault' } },
  };
}

/**
 * The pod around one or more setgate containers: hardened, the topology and a
 * scratch /tmp, and the pods of one workload (`selector`) spread over
 * machines where the scheduler can.
 */
export function podSpec(containers: IContainer[], selector: Record<string, string>, volumes: IVolume[] = []): IPodSpec {
  return {
    ...hardenedPod(APP_UID),
    terminationGracePeriodSeconds: 30,
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
    ],
    containers,
    volumes: [
      { name: 'topology', configMap: { name: TOPOLOGY_CONFIGMAP } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ...volumes,
    ],
  };
}

/** The persistent volume claim template of a StatefulSet's `data` volume. */
export function dataClaim(storage: string): IPersistentVolumeClaim {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } };
}

/** Pod annotations: Prometheus scrapes the admin listener; a changed topology rolls the pods. */
export function podAnnotations(adminPort: number, topologySha256: string): Record<string, string> {
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(adminPort),
    'prometheus.io/path': '/metrics',
    'setgate.io/topology-sha256': topologySha256,
  };
}
