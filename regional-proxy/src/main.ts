import { componentArgs, createAdminServer, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { buildRoutingTable, TopologyView } from '@setgate/topology';
import { buildRegionalProxy } from './app.js';
import { proxyOptionsFromTopology } from './topology-options.js';

/** Process entry: `node --import tsx regional-proxy/src/main.ts --id us-east-proxy-1 [--config FILE]`. */
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
const telemetry = startTelemetry({ service: 'regional-proxy', instance: self.id, region: self.region });
const app = buildRegionalProxy({
  telemetry,
  region: placed.region,
  gateways: placed.gateways,
  routes: buildRoutingTable(args.topology),
  limits: args.topology.limits,
  upstreamTimeoutMs: placed.upstreamTimeoutMs,
});
const admin = createAdminServer({
  telemetry,
  status: () => ({ id: self.id, kind: self.kind, configVersion: view.version, ...app.regionalProxy.status() }),
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
});
