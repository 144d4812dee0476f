import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { type WorkloadComponent, workloadLabels, workloadSelector } from './labels.js';

/** Replica bounds of a scaled Deployment: two at least, so one pod can move while the other serves. */
export const MIN_REPLICAS = 2;
export const MAX_REPLICAS = 10;

/** Scales a gateway's or proxy's Deployment on CPU (both are CPU-bound: ~150-190 µs per request). */
export function autoscaler(component: WorkloadComponent, name: string, region: string): IHorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, labels: workloadLabels(component, name, region) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: MIN_REPLICAS,
      maxReplicas: MAX_REPLICAS,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      // Scaling in slowly keeps pooled connections (proxy → gateway → node) from churning on a dip.
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
}

/** A voluntary disruption (drain, upgrade) takes at most one pod of the workload at a time. */
export function disruptionBudget(component: WorkloadComponent, name: string, region?: string): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels: workloadLabels(component, name, region) },
    spec: { maxUnavailable: 1, selector: { matchLabels: workloadSelector(name) } },
  };
}
