import type { LoadedTopology } from '@setgate/config';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import { TopologyView } from '@setgate/topology';
import { ETCD_CLIENT_PORT, ETCD_NAME, ETCD_PEER_PORT, REDIS_PORT, redisName } from './k8s-topology.js';
import {
  componentSelector,
  metricsScraper,
  operatorClient,
  partOfSetgate,
  type WorkloadComponent,
  workloadLabels,
  workloadSelector,
} from './labels.js';

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP' as const, port }));
const pods = (component: WorkloadComponent): INetworkPolicyPeer => ({ podSelector: { matchLabels: componentSelector(component) } });
/** Prometheus (or any scraper labelled so), in any namespace. */
const scrapers: INetworkPolicyPeer = { namespaceSelector: {}, podSelector: { matchLabels: metricsScraper } };

function policy(component: WorkloadComponent, workload: string, region: string | undefined, ingress: INetworkPolicyIngressRule[]): INetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: workload, labels: workloadLabels(component, workload, region) },
    spec: { podSelector: { matchLabels: workloadSelector(workload) }, policyTypes: ['Ingress'], ingress },
  };
}

/**
 * Ingress policies that admit only the hops of the design: clients → regional
 * proxies → gateways (any region's proxy: proxies fail over across regions) →
 * nodes; nodes ↔ nodes (data proxy on the traffic port, replication on admin);
 * every component → the control plane; the control plane → nodes (probes,
 * fences) and gateways (failover witnesses); a region's gateways → its Redis;
 * the control plane → etcd. Scrapers reach admin ports. Everything else is
 * dropped by the default-deny policy. Egress is left open (DNS, telemetry).
 */
export function networkPolicies(topology: LoadedTopology, withEtcd: boolean): INetworkPolicy[] {
  const view = new TopologyView(topology);
  const out: INetworkPolicy[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'setgate-default-deny', labels: { ...partOfSetgate } },
      spec: { podSelector: { matchLabels: { ...partOfSetgate } }, policyTypes: ['Ingress'] },
    },
  ];
  const metrics = (adminPort: number): INetworkPolicyIngressRule => ({ from: [scrapers], ports: tcp(adminPort) });
  for (const i of view.allInstances()) {
    if (i.kind === 'regional-proxy') {
      // Clients come from anywhere: no `from` admits every source.
      out.push(policy(i.kind, i.id, i.region, [{ ports: tcp(i.port) }, metrics(i.adminPort)]));
    } else if (i.kind === 'gateway') {
      out.push(
        policy(i.kind, i.id, i.region, [
          { from: [pods('regional-proxy')], ports: tcp(i.port) },
          { from: [pods('control-plane'), scrapers], ports: tcp(i.adminPort) },
        ]),
      );
    }
  }
  for (const s of topology.sets) {
    const [n] = s.nodes;
    if (!n) continue;
    out.push(
      policy('set-runtime', s.name, s.region, [
        { from: [pods('gateway'), pods('set-runtime')], ports: tcp(n.port) },
        { from: [pods('set-runtime'), pods('control-plane'), scrapers], ports: tcp(n.adminPort) },
      ]),
    );
  }
  const cp = topology.controlPlane;
  if (cp) {
    out.push(
      policy('control-plane', cp.id, undefined, [
        { from: [{ podSelector: { matchLabels: { ...partOfSetgate } } }, { podSelector: { matchLabels: { ...operatorClient } } }], ports: tcp(cp.port) },
        metrics(cp.adminPort),
      ]),
    );
  }
  if (withEtcd) {
    out.push(
      policy('etcd', ETCD_NAME, undefined, [
        { from: [pods('control-plane')], ports: tcp(ETCD_CLIENT_PORT) },
        { from: [pods('etcd')], ports: tcp(ETCD_CLIENT_PORT, ETCD_PEER_PORT) },
      ]),
    );
  }
  for (const r of topology.regions) {
    out.push(policy('redis', redisName(r.name), r.name, [{ from: [{ podSelector: { matchLabels: componentSelector('gateway', r.name) } }], ports: tcp(REDIS_PORT) }]));
  }
  return out;
}
