import { NodePath } from '@setgate/contracts';
import type { InstanceRef, TopologyView } from '@setgate/topology';
import type { GatewayTarget } from './gateway-directory.js';

/** Room the gateway gets past its slowest command timeout to answer with its own 504. */
const GATEWAY_MARGIN_MS = 1000;

/** The parts of a regional proxy's options the topology decides. */
export interface TopologyProxyOptions {
  readonly self: InstanceRef;
  readonly region: string;
  readonly gateways: readonly GatewayTarget[];
  readonly upstreamTimeoutMs: number;
}

/**
 * Reads one regional proxy's place in the topology: its region from its own
 * instance, every region's gateways (the selector decides which serve) with
 * the health endpoint of their admin listener, and an upstream deadline just
 * past the slowest command's.
 */
export function proxyOptionsFromTopology(view: TopologyView, id: string): TopologyProxyOptions {
  const self = view.instance(id);
  if (self?.kind !== 'regional-proxy') {
    throw new Error(`${id} is not a regional proxy of topology version ${view.version}`);
  }
  // Probed on the traffic listener, the one requests use: the gateway answers its health route there before its pipeline.
  const gateways = view
    .allInstances()
    .filter((i) => i.kind === 'gateway')
    .map((g) => ({ id: g.id, region: g.region, url: g.url, healthUrl: `${g.url}${NodePath.health}` }));
  const slowest = Math.max(...view.doc.commands.map((c) => c.timeoutMs));
  return { self, region: self.region, gateways, upstreamTimeoutMs: slowest + GATEWAY_MARGIN_MS };
}
