import { performance } from 'node:perf_hooks';
import { processHopSecrets } from '@setgate/contracts';
import { createAdminServer, componentArgs, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { configWatchMetrics, logWatchEvents, watchControlPlane } from '@setgate/config-watch';
import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { buildNode } from './node.js';
import { openNodeStore } from './store/open-store.js';

/**
 * Entry of one set-runtime node: `--id <nodeId> [--config FILE] [--data DIR]`.
 *
 * Where the node hears its topology, and so renews its leader lease
 * (replication/lease.ts: always from the SEND time of the request, on the
 * monotonic clock, and only for the version the node runs):
 * - with a control plane (the topology names one and SETGATE_CONTROL_PLANE_TOKEN
 *   is set), from its watch, which names this node: every answer, a new version
 *   or an empty long-poll, renews the lease unless the control plane says it
 *   revoked it; a leader cut off from the control plane stops acknowledging
 *   writes leaseMs after it last ASKED. The node starts without a lease; its
 *   first poll is answered at once.
 * - without one, from the config file, read at start and every third of the lease.
 * SIGHUP re-reads the file in both cases (a file read renews only in the second case).
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

// The stack's hop secrets (SETGATE_INTERNAL_TOKEN[_PREVIOUS|_FILE]): every listener of the node asks for them.
const hopSecrets = processHopSecrets((err) =>
  err ? telemetry.logger.warn({ err }, 'hop secrets file refused') : telemetry.logger.info('hop secrets reloaded'),
);
if (!hopSecrets) telemetry.logger.warn('no hop secret (SETGATE_INTERNAL_TOKEN): the traffic and internal listeners answer anyone');
const node = buildNode({ view, nodeId: self.id, store, telemetry, limits: view.doc.limits, leaseGrantedAtStart: false, ...(hopSecrets ? { internalToken: hopSecrets } : {}) });
const admin = createAdminServer({ telemetry, status: () => node.status() });
node.registerInternal(admin);

/** Without a control plane the file is the config source: a read that confirms the running version renews the lease. */
let fileRenews = false;
const reload = (why: string) => {
  const sentAt = performance.now();
  return node.updates.reload(args.configPath).then(
    (r) => {
      if (fileRenews) node.updates.renewLease(sentAt, r.version);
      if (r.swapped) telemetry.logger.info({ version: r.version, why }, 'topology swapped');
    },
    (err: unknown) => telemetry.logger.warn({ err, why }, 'topology reload refused; keeping the current one'),
  );
};
process.on('SIGHUP', () => void reload('SIGHUP'));
const leaseThird = Math.max(50, Math.floor(view.doc.replication.leaseMs / 3));
// An eighth: a healthy watch renews six to eight times per lease, so one slow answer on a busy machine does not
// lapse it, and a renewal's send time (from which the lease counts) is never more than an eighth plus a trip
// old: what is left of the lease when the control plane cannot grant (an etcd election) is most of it.
const leaseEighth = Math.max(50, Math.floor(view.doc.replication.leaseMs / 8));
const logEvent = logWatchEvents(telemetry.logger);
const configMetrics = configWatchMetrics(telemetry.meter, args.topology.version);
const watcher = watchControlPlane<LoadedTopology>({
  topology: args.topology,
  node: self.id,
  immediateFirstPoll: true,
  pollTimeoutMs: leaseEighth,
  build: (topology) => topology,
  onUpdate: (topology) => {
    node.updates.applyLoaded(topology).then(
      (r) => telemetry.logger.info({ version: r.version }, 'topology swapped from the control plane'),
      (err: unknown) => telemetry.logger.warn({ err }, 'control plane topology refused; keeping the current one'),
    );
  },
  onEvent: (event) => {
    configMetrics(event);
    if (event.kind === 'current' || event.kind === 'applied') {
      if (event.lease === 'revoked') node.updates.revokeLease(event.sentAt);
      // Withheld: no renewal, and no revocation either; the lease held runs out on its own.
      else if (event.lease !== 'withheld') node.updates.renewLease(event.sentAt, event.version);
    } else logEvent(event);
  },
});
fileRenews = watcher === undefined;
// Before reporting ready: a node that says it is ready takes writes, and without a control plane its lease
// comes from this first read (seen: a write right after ready answered 503 while the read was under way).
if (fileRenews) await reload('start');
const poll = watcher ? undefined : setInterval(() => void reload('poll'), leaseThird);
poll?.unref();

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
    await watcher?.stop();
    await node.close();
  },
});
