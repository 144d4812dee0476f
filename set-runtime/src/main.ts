import { createAdminServer, componentArgs, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { TopologyView } from '@setgate/topology';
import { buildNode } from './node.js';
import { openNodeStore } from './store/open-store.js';

/**
 * Entry of one set-runtime node: `--id <nodeId> [--config FILE] [--data DIR]`.
 * The config file is read again on SIGHUP and every third of the lease: each
 * successful read renews the leader lease, and a new version is swapped in.
 */
const args = componentArgs();
const view = new TopologyView(args.topology);
const self = view.node(args.id);
if (!self) {
  process.stderr.write(`node "${args.id}" is not in ${args.configPath}\n`);
  process.exit(2);
}

const telemetry = startTelemetry({ service: 'set-runtime', instance: self.id, region: self.region });
const replication = view.doc.replication;
let store: Awaited<ReturnType<typeof openNodeStore>>;
try {
  store = await openNodeStore(self, args.dataDir, {
    durability: replication.durability,
    idempotencyWindowMs: replication.idempotencyWindowSec * 1000,
  });
} catch (err) {
  telemetry.logger.fatal({ err }, 'cannot open the node store');
  process.exit(2);
}

const node = buildNode({ view, nodeId: self.id, store, telemetry, limits: view.doc.limits });
const admin = createAdminServer({ telemetry, status: () => node.status() });
node.registerInternal(admin);

const reload = (why: string) =>
  node.updates.reload(args.configPath).then(
    (r) => r.swapped && telemetry.logger.info({ version: r.version, why }, 'topology swapped'),
    (err: unknown) => telemetry.logger.warn({ err, why }, 'topology reload refused; keeping the current one'),
  );
process.on('SIGHUP', () => void reload('SIGHUP'));
const poll = setInterval(() => void reload('poll'), Math.max(50, Math.floor(node.ownership.view.doc.replication.leaseMs / 3)));
poll.unref();

await runComponent({
  id: self.id,
  kind: 'set-runtime',
  host: self.host,
  port: self.port,
  adminPort: self.adminPort,
  app: node.app,
  admin,
  telemetry,
  onClose: async () => {
    clearInterval(poll);
    await node.close();
  },
});
