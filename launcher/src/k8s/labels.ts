/** What a workload runs: a setgate component or one of the services beside it. */
export type WorkloadComponent = 'control-plane' | 'set-runtime' | 'gateway' | 'regional-proxy' | 'etcd' | 'redis';

const PART_OF = 'app.kubernetes.io/part-of';
const COMPONENT = 'app.kubernetes.io/component';
const WORKLOAD = 'setgate.io/workload';
const REGION = 'setgate.io/region';

/** Every setgate object carries this label; the default-deny NetworkPolicy selects by it. */
export const partOfSetgate = { [PART_OF]: 'setgate' } as const;

/**
 * Pods (e.g. Prometheus) carrying this label, in any namespace, may scrape
 * the admin listeners' /metrics; nothing else reaches an admin port unless a
 * hop of the design needs it.
 */
export const metricsScraper = { 'setgate.io/metrics-scraper': 'true' } as const;

/** Pods carrying this label may call the control plane's admin API (operators' tools, CI jobs). */
export const operatorClient = { 'setgate.io/operator': 'true' } as const;

/** Labels of one workload (an instance, a set, the control plane, a region's Redis) and its pods. */
export function workloadLabels(component: WorkloadComponent, workload: string, region?: string): Record<string, string> {
  return { ...partOfSetgate, [COMPONENT]: component, [WORKLOAD]: workload, ...(region ? { [REGION]: region } : {}) };
}

/** The selector of one workload's pods. */
export function workloadSelector(workload: string): Record<string, string> {
  return { ...partOfSetgate, [WORKLOAD]: workload };
}

/** The selector of every pod of a component kind (all gateways, all nodes), optionally in one region. */
export function componentSelector(component: WorkloadComponent, region?: string): Record<string, string> {
  return { ...partOfSetgate, [COMPONENT]: component, ...(region ? { [REGION]: region } : {}) };
}
