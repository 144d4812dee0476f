import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultTopologyPath } from '@setgate/config';
import type { HopSecrets } from '@setgate/contracts';
import { buildGateway } from '@setgate/gateway';
import { rebindTopology } from '@setgate/launcher';
import { createRedis, type Redis } from '@setgate/redis-client';
import { buildRegionalProxy, proxyOptionsFromTopology } from '@setgate/regional-proxy';
import { buildNode, LmdbNodeStore, type SetNode } from '@setgate/set-runtime';
import type { Telemetry } from '@setgate/telemetry';
import { buildRoutingTable, TopologyView } from '@setgate/topology';
import { oneGatewayWithRedis, type RegionPath } from '../benchmarks/key-placement.js';

/** What a chain is built with: which instances, the stack's hop secret and Redis, and a telemetry per component. */
export interface ChainSpec {
  readonly path: RegionPath;
  readonly hopSecrets: HopSecrets;
  /** The region's Redis for the gateway's shared rate limits (a real redis-server). */
  readonly redisUrl: string;
  /** With or without the regional proxy in front of the gateway. */
  readonly withProxy: boolean;
  telemetry(service: 'regional-proxy' | 'gateway' | 'set-runtime', instance: string): Telemetry;
}

/** A regional proxy (optional), gateway and write-point node, in this process, on loopback ports of their own. */
export interface Chain {
  /** Where a client sends: the proxy when there is one, else the gateway. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Builds, in this process, the chain a profile read takes in `npm start`'s stack, as each component's
 * entry point builds it (gateway/src/component.ts, regional-proxy/src/component.ts,
 * set-runtime/src/main.ts): the key's write-point node on a fresh store, the region's one gateway with its
 * Redis-backed limiter, and the region's proxy. The topology is the one `npm start` uses, rebound to free
 * ports, with the region kept to one gateway and the shard acknowledging writes alone (only its
 * write-point runs), as the gateway benchmark starts it.
 */
export async function buildChain(spec: ChainSpec): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'setgate-obs-probe-'));
  const opened: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of opened.splice(0).reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { region, gatewayId, proxyId, placed } = spec.path;
    const topology = await rebindTopology(defaultTopologyPath(), join(dir, 'topology.json'), oneGatewayWithRedis(region, gatewayId, spec.redisUrl));
    const view = new TopologyView(topology);

    const nodeRef = view.node(placed.writePoint.id);
    if (!nodeRef) throw new Error(`${placed.writePoint.id} is not a node of the rebound topology`);
    const node: SetNode = buildNode({
      view,
      nodeId: nodeRef.id,
      store: LmdbNodeStore.open({ dir: join(dir, nodeRef.id) }),
      telemetry: spec.telemetry('set-runtime', nodeRef.id),
      internalToken: spec.hopSecrets,
    });
    opened.push(() => node.close());
    await node.app.listen({ host: nodeRef.host, port: nodeRef.port });

    const redis: Redis = createRedis(spec.redisUrl, { name: gatewayId });
    redis.on('error', () => {});
    opened.push(async () => void redis.disconnect());
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('end', () => reject(new Error(`Redis at ${spec.redisUrl} closed before it was ready`)));
    });
    const gatewayRef = view.instance(gatewayId);
    if (!gatewayRef) throw new Error(`${gatewayId} is not in the rebound topology`);
    const gateway = buildGateway({
      topology,
      region,
      telemetry: spec.telemetry('gateway', gatewayId),
      redis,
      hopSecrets: spec.hopSecrets,
    });
    opened.push(() => gateway.close());
    const gatewayUrl = await gateway.listen({ host: gatewayRef.host, port: gatewayRef.port });
    if (!spec.withProxy) return { url: gatewayUrl, close };

    const placedProxy = proxyOptionsFromTopology(view, proxyId);
    const proxy = buildRegionalProxy({
      telemetry: spec.telemetry('regional-proxy', proxyId),
      hopSecrets: spec.hopSecrets,
      region: placedProxy.region,
      gateways: placedProxy.gateways,
      routes: buildRoutingTable(topology),
      limits: topology.limits,
      upstreamTimeoutMs: placedProxy.upstreamTimeoutMs,
    });
    opened.push(() => proxy.close());
    const url = await proxy.listen({ host: placedProxy.self.host, port: placedProxy.self.port });
    return { url, close };
  } catch (err) {
    await close();
    throw err;
  }
}
