import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IService } from 'kubernetes-models/v1/Service';
import { ETCD_CLIENT_PORT, ETCD_NAME, ETCD_PEER_PORT, podHost, REDIS_PORT, redisName } from './k8s-topology.js';
import { workloadLabels, workloadSelector } from './labels.js';
import { APP_UID, dataClaim, hardenedPod, POD_NAME_ENV, restrictedContainer } from './pod.js';

/** Pinned images of what runs beside setgate. */
export const ETCD_IMAGE = 'quay.io/coreos/etcd:v3.5.17';
export const REDIS_IMAGE = 'redis:7.4.1-alpine';

const REDIS_UID = 999;

/**
 * The etcd cluster of the HA control plane: `members` pods started together
 * (they bootstrap as one cluster), each with its own volume, reached through
 * the headless Service `etcd` (`etcd-0.etcd:2379`).
 */
export function etcdStatefulSet(members: number): IStatefulSet {
  const peer = (k: number) => `http://${podHost(`${ETCD_NAME}-${k}`, ETCD_NAME)}:${ETCD_PEER_PORT}`;
  const cluster = Array.from({ length: members }, (_, k) => `${ETCD_NAME}-${k}=${peer(k)}`).join(',');
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: ETCD_NAME, labels: workloadLabels('etcd', ETCD_NAME) },
    spec: {
      serviceName: ETCD_NAME,
      replicas: members,
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: workloadSelector(ETCD_NAME) },
      template: {
        metadata: { labels: workloadLabels('etcd', ETCD_NAME) },
        spec: {
          ...hardenedPod(APP_UID),
          containers: [
            {
              name: 'etcd',
              image: ETCD_IMAGE,
              command: [
                'etcd',
                '--name=$(POD_NAME)',
                '--data-dir=/var/lib/etcd',
                `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
                `--advertise-client-urls=http://$(POD_NAME).${ETCD_NAME}:${ETCD_CLIENT_PORT}`,
                `--listen-peer-urls=http://0.0.0.0:${ETCD_PEER_PORT}`,
                `--initial-advertise-peer-urls=http://$(POD_NAME).${ETCD_NAME}:${ETCD_PEER_PORT}`,
                `--initial-cluster=${cluster}`,
                '--initial-cluster-state=new',
                '--initial-cluster-token=setgate-etcd',
              ],
              env: [POD_NAME_ENV],
              ports: [
                { name: 'client', containerPort: ETCD_CLIENT_PORT },
                { name: 'peer', containerPort: ETCD_PEER_PORT },
              ],
              // /health fails without a leader: not ready then, but only a dead listener is restarted.
              readinessProbe: { httpGet: { path: '/health', port: 'client' }, periodSeconds: 5, timeoutSeconds: 2 },
              livenessProbe: { tcpSocket: { port: 'client' }, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: restrictedContainer,
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [dataClaim('5Gi')],
    },
  };
}

/** The headless Service of the etcd pods: stable names for peers and clients, before they are ready (bootstrap). */
export function etcdService(): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: ETCD_NAME, labels: workloadLabels('etcd', ETCD_NAME) },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: workloadSelector(ETCD_NAME),
      ports: [
        { name: 'client', port: ETCD_CLIENT_PORT, targetPort: 'client' },
        { name: 'peer', port: ETCD_PEER_PORT, targetPort: 'peer' },
      ],
    },
  };
}

/**
 * A region's rate-limit Redis: the counters of its gateways. No persistence
 * (counters live one window); while it is down the gateways count locally.
 */
export function redisDeployment(region: string): IDeployment {
  const name = redisName(region);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: workloadLabels('redis', name, region) },
    spec: {
      replicas: 1,
      selector: { matchLabels: workloadSelector(name) },
      template: {
        metadata: { labels: workloadLabels('redis', name, region) },
        spec: {
          ...hardenedPod(REDIS_UID),
          containers: [
            {
              name: 'redis',
              image: REDIS_IMAGE,
              args: ['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory', '192mb', '--maxmemory-policy', 'volatile-ttl'],
              ports: [{ name: 'redis', containerPort: REDIS_PORT }],
              readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 5, timeoutSeconds: 2 },
              livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: restrictedContainer,
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

/** The Service a region's gateways reach their Redis by (the host of regions[].rateLimitRedisUrl). */
export function redisService(region: string): IService {
  const name = redisName(region);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: workloadLabels('redis', name, region) },
    spec: { selector: workloadSelector(name), ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis' }] },
  };
}
