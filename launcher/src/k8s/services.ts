import type { IService } from 'kubernetes-models/v1/Service';
import { type WorkloadComponent, workloadLabels, workloadSelector } from './labels.js';

const port = (name: 'traffic' | 'admin', n: number) => ({ name, port: n, targetPort: name, protocol: 'TCP' as const });

/**
 * The Service of a setgate workload, named as the topology's host for it.
 * - regional proxies: the entry points, a LoadBalancer on the traffic port
 *   only, keeping the client's address (externalTrafficPolicy Local) for region
 *   choice and per-address limits;
 * - gateways and the control plane: ClusterIP, traffic and admin ports;
 * - a set: headless, so each node has its own name (`<node id>.<set>`), published
 *   before it is ready (a node must be reachable by its peers while it catches up).
 */
export function workloadService(
  component: WorkloadComponent,
  name: string,
  ports: { readonly port: number; readonly adminPort: number },
  region?: string,
): IService {
  const metadata = { name, labels: workloadLabels(component, name, region) };
  const selector = workloadSelector(name);
  if (component === 'regional-proxy') {
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector, ports: [port('traffic', ports.port)] },
    };
  }
  const headless = component === 'set-runtime' ? { clusterIP: 'None', publishNotReadyAddresses: true } : {};
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: { ...headless, selector, ports: [port('traffic', ports.port), port('admin', ports.adminPort)] },
  };
}
