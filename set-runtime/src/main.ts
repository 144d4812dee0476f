import { createAdminServer, componentArgs, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { TopologyView } from '@setgate/topology';
import { buildNode } from './node.js';
import { openNodeStore } from './store/open-store.js';

/** Entry of one set-runtime node: `--id <nodeId> [--config FILE] [--data DIR]`. */
const args = componentArgs();
const view = new TopologyView(args.topology);
const self = view.node(args.id);
if (!self) {
  process.stderr.write(`node "${args.id}" is not in ${args.configPath}\n`);
  process.exit(2);
}

const telemetry = startTelemetry({ service: 'set-runtime', instance: self.id, region: self.region });
let store: ReturnType<typeof openNodeStore>;
try {
  store = openNodeStore(self, args.dataDir);
} catch (err) {
  telemetry.logger.fatal({ err }, 'cannot open the node store');
  process.exit(2);
}

const node = buildNode({ view, nodeId: self.id, store, telemetry, limits: view.doc.limits });
const admin = createAdminServer({ telemetry, status: () => node.status() });
await runComponent({
  id: self.id,
  kind: 'set-runtime',
  host: self.host,
  port: self.port,
  adminPort: self.adminPort,
  app: node.app,
  admin,
  telemetry,
  onClose: () => node.close(),
});
