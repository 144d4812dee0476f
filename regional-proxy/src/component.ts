import type { LoadedTopology } from '@setgate/config';
import { logAndMeasureWatch, watchControlPlane } from '@setgate/config-watch';
import { processHopSecrets } from '@setgate/contracts';
import { componentArgs, createAdminServer, runComponent, workerCount, workerSlot } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { buildRoutingTable, TopologyView } from '@setgate/topology';
import { buildRegionalProxy } from './app.js';
import { proxyOptionsFromTopology } from './topology-options.js';

/**
 * The regional proxy (one process, or one worker of several: main.ts), `--id us-east-proxy-1 [--config FILE]`.
 * With a control plane (the topology names one and SETGATE_CONTROL_PLANE_TOKEN
 * is set) it follows new versions: drained regions, residency, RTT order.
 */
const args = componentArgs();
const view = new TopologyView(args.topology);
let placed: ReturnType<typeof proxyOptionsFromTopology>;
try {
  placed = proxyOptionsFromTopology(view, args.id);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const { self } = placed;
const worker = workerSlot();
const telemetry = startTelemetry({ service: 'regional-proxy', instance: self.id, region: self.region, ...(worker ? { worker } : {}) });
// The stack's hop secrets (SETGATE_INTERNAL_TOKEN[_PREVIOUS|_FILE]): gateways believe this proxy's X-Forwarded-For by it.
const hopSecrets = processHopSecrets((err) =>
  err ? telemetry.logger.warn({ err }, 'hop secrets file refused') : telemetry.logger.info('hop secrets reloaded'),
);
const app = buildRegionalProxy({
  telemetry,
  ...(hopSecrets ? { hopSecrets } : {}),
  ...(self.tls ? { tls: self.tls } : {}),
  region: placed.region,
  gateways: placed.gateways,
  routes: buildRoutingTable(args.topology),
  limits: args.topology.limits,
  upstreamTimeoutMs: placed.upstreamTimeoutMs,
  workers: worker === undefined ? 1 : workerCount(),
});
const watcher = watchControlPlane<LoadedTopology>({
  topology: args.topology,
  build: (topology) => topology,
  onUpdate: (topology) => {
    app.regionalProxy.applyTopology(topology);
    telemetry.logger.info({ version: topology.version }, 'topology swapped from the control plane');
  },
  onEvent: logAndMeasureWatch(telemetry.logger, telemetry.meter, args.topology.version),
});
const admin = createAdminServer({
  telemetry,
  status: () => ({
    id: self.id,
    kind: self.kind,
    configVersion: app.regionalProxy.configVersion,
    ...app.regionalProxy.status(),
  }),
});
await runComponent({
  id: self.id,
  kind: 'regional-proxy',
  host: self.host,
  port: self.port,
  adminPort: self.adminPort,
  app,
  admin,
  telemetry,
  onClose: async () => {
    await watcher?.stop();
  },
});
