import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { signDevToken } from '@setgate/launcher';
import { TopologyView } from '@setgate/topology';
import type { Benchmark, BenchSetup } from '../benchmark.js';
import { startBenchStack } from '../stack.js';
import { firstRegionPath } from './key-placement.js';

/**
 * The client route read under load: a cart read is served by the key's
 * write-point and answers 200 with an empty cart, so nothing needs seeding.
 */
const READ = { method: 'GET', path: '/v1/cart' } as const;

/** How long setup waits for the proxy's health checks to find the gateways that were not started. */
const HEALTH_SETTLE_MS = 15_000;

/**
 * Waits until the proxy's `/status` shows every gateway that was not started
 * as unhealthy, so from the first counted request on it only picks the
 * started gateway — the one `direct` drives.
 */
async function untilOnlyStartedGatewaysHealthy(adminUrl: string, started: ReadonlySet<string>): Promise<void> {
  const deadline = Date.now() + HEALTH_SETTLE_MS;
  for (;;) {
    const status = (await (await fetch(`${adminUrl}/status`)).json()) as {
      regions: Array<{ gateways: Array<{ id: string; state: string }> }>;
    };
    const stray = status.regions.flatMap((r) => r.gateways).filter((g) => !started.has(g.id) && g.state === 'healthy');
    if (stray.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the proxy still counts ${stray.map((g) => g.id).join(', ')} as healthy`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * `regional-proxy`: what the regional access layer's hop costs. The same
 * authenticated cart read goes straight to a gateway (`direct`, the baseline)
 * or through the region's regional proxy (`via-proxy`); both reach the same
 * write-point node. The proxy's own µs/req is its line in the per-process
 * breakdown. Only one gateway is started: setup waits until the proxy's
 * health checks have found all others down, so the proxy sends every counted
 * request to the gateway `direct` drives. Its checks (one probe per gateway
 * per interval) are part of the proxy's steady cost.
 */
export const regionalProxyBenchmark: Benchmark = {
  name: 'regional-proxy',
  description: 'a cart read through regional-proxy → gateway → node, against the same gateway direct',
  configurations: [
    { name: 'direct', description: 'GET /v1/cart with a dev token straight to the gateway' },
    { name: 'via-proxy', description: 'the same request through the regional proxy of the region (one hop more)' },
  ],
  baseline: 'direct',

  async setup(ctx): Promise<BenchSetup> {
    // Region, instances and key come from the source topology; rebinding changes ports only.
    const source = new TopologyView(loadTopologyFile(defaultTopologyPath()));
    const { region, proxyId, gatewayId, placed, started } = firstRegionPath(source);
    const nodeId = placed.writePoint.id;

    ctx.log(`regional-proxy: region ${region}, key ${placed.key} (shard ${placed.shard}), starting ${[...started].join(', ')}`);
    const bench = await startBenchStack({ only: (i) => started.has(i.id) });
    try {
      const { stack } = bench;
      if (!stack.topology.commands.some((c) => c.method === READ.method && c.path === READ.path)) {
        throw new Error(`the topology has no command for ${READ.method} ${READ.path}`);
      }
      const headers = { authorization: `Bearer ${await signDevToken(stack.topology, { sub: placed.key })}` };
      const proxyUrl = stack.url(proxyId);
      const proxyAdmin = stack.supervisor.ready.get(proxyId)?.adminUrl;
      if (!proxyAdmin) throw new Error(`${proxyId} reported no admin listener`);
      ctx.log('regional-proxy: waiting for the proxy to find the gateways that were not started');
      await untilOnlyStartedGatewaysHealthy(proxyAdmin, started);
      const gatewayUrl = stack.url(gatewayId);
      const gateway = { name: 'gateway', pid: bench.pidOf(gatewayId) };
      const node = { name: 'set-runtime', pid: bench.pidOf(nodeId) };
      return {
        targets: {
          direct: {
            request: { method: READ.method, url: `${gatewayUrl}${READ.path}`, headers },
            measured: [gateway, node],
          },
          'via-proxy': {
            request: { method: READ.method, url: `${proxyUrl}${READ.path}`, headers },
            measured: [{ name: 'regional-proxy', pid: bench.pidOf(proxyId) }, gateway, node],
          },
        },
        details: {
          region,
          key: placed.key,
          shard: placed.shard,
          instances: { regionalProxy: proxyId, gateway: gatewayId, node: nodeId },
          urls: { regionalProxy: proxyUrl, gateway: gatewayUrl },
          configVersion: stack.topology.version,
        },
        stop: () => bench.stop(),
      };
    } catch (err) {
      await bench.stop();
      throw err;
    }
  },
};
