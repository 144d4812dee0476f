import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopologyPath, loadTopologyFile, TopologyError } from '@setgate/config';
import { createDispatcher } from '@setgate/http-client';
import { createAdminServer, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { ConfigService } from './config-service.js';
import { ControlPlaneElection } from './election.js';
import { FailoverController } from './failover/controller.js';
import { EtcdLeaseRevocations } from './failover/etcd-lease-revocations.js';
import { GatewayWitnesses } from './failover/gateway-witnesses.js';
import { LeaseGrants } from './failover/lease-grants.js';
import { grantLeasesOnWatch } from './failover/lease-hook.js';
import { HttpNodeProbe } from './failover/probe.js';
import { buildControlPlaneApp } from './http/app.js';
import { Operations } from './ops/operations.js';
import { OpsService } from './ops/ops-service.js';
import { HttpReplicationControl } from './ops/replication-control.js';
import type { ControlPlaneReplicaView } from './replica-status.js';
import { EtcdConfigStore } from './store/etcd-store.js';
import { openConfigStore } from './store/open-store.js';

/**
 * The control plane process: `[--config FILE] [--data DIR]`. The file seeds
 * version 1 when the store is empty and gives the static controlPlane section;
 * after that the store is the source of truth.
 */
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    data: { type: 'string' },
    id: { type: 'string' },
    // A second replica of the same topology (etcd store) needs its own ports.
    port: { type: 'string' },
    'admin-port': { type: 'string' },
  },
});
const configPath = resolve(values.config ?? defaultTopologyPath());
let seed: ReturnType<typeof loadTopologyFile>;
try {
  seed = loadTopologyFile(configPath);
} catch (err) {
  process.stderr.write(`${err instanceof TopologyError ? err.message : String(err)}\n`);
  process.exit(2);
}
const cp = seed.controlPlane;
if (!cp) {
  process.stderr.write(`${configPath} has no controlPlane section\n`);
  process.exit(2);
}

const replicaId = values.id ?? cp.id;
const port = values.port ? Number(values.port) : cp.port;
const adminPort = values['admin-port'] ? Number(values['admin-port']) : cp.adminPort;
const telemetry = startTelemetry({ service: 'control-plane', instance: replicaId });
const store = await openConfigStore(cp.store, resolve(values.data ?? 'data'));
const service = new ConfigService(store);
// Unclean promotions (failover or forced) are logged and counted on /metrics: setgate_failover_async_lost_writes_total.
service.losses.attach(telemetry);
// On etcd several replicas share the store: one elected replica runs the failover controller, and its publishes are fenced by its campaign key.
const election =
  cp.store.kind === 'etcd' && store instanceof EtcdConfigStore
    ? new ControlPlaneElection({ client: store.client, prefix: `${store.prefix}/election/`, id: replicaId, ttlSeconds: cp.store.electionTtlSeconds, logger: telemetry.logger })
    : undefined;
const controllerService = election && store instanceof EtcdConfigStore ? new ConfigService(store.fenced(() => election.fence()), undefined, service.losses) : service;
const controlPlaneStatus = async (): Promise<ControlPlaneReplicaView> => ({
  store: cp.store.kind,
  ha: election !== undefined,
  replica: replicaId,
  ...(election ? { election: await election.status() } : {}),
});
const current = await service.bootstrap(seed, configPath);
const dispatcher = createDispatcher({ connections: 16 });
const operations = new Operations();
const control = new HttpReplicationControl(dispatcher);
const ops = new OpsService({ service, operations, control, catchUpTimeoutMs: cp.switchoverCatchUpMs });
// Every answer to a node's watch is a lease grant (failover/lease-ledger.ts). A lone control plane
// knows every grant it made; several replicas (etcd) share the controller's revocations through etcd
// and check them before each grant, so a node cut off from the controller alone cannot keep its lease.
const leases =
  election && store instanceof EtcdConfigStore
    ? new EtcdLeaseRevocations({ client: store.client, prefix: `${store.prefix}/lease-revoked/`, fence: () => election.fence() })
    : new LeaseGrants();
const failover = new FailoverController({
  service: controllerService,
  ...(election ? { active: election } : {}),
  leases,
  witnesses: new GatewayWitnesses(() => service.current(), dispatcher),
  probe: new HttpNodeProbe(dispatcher),
  control,
  operations,
  logger: telemetry.logger,
  meter: telemetry.meter,
});
const app = buildControlPlaneApp({
  telemetry,
  tokens: cp.tokens,
  service,
  ops,
  operations,
  watchTimeoutMs: cp.watchTimeoutMs,
  failover,
  controlPlaneStatus,
});
grantLeasesOnWatch(app, leases);
const admin = createAdminServer({
  telemetry,
  status: async () => ({
    id: replicaId,
    kind: 'control-plane',
    store: cp.store.kind,
    controlPlane: await controlPlaneStatus(),
    configVersion: (await service.current()).record.version,
    failoverController: failover.status(),
  }),
});
telemetry.logger.info({ version: current.record.version, store: cp.store.kind }, 'config store open');
// Stopping: the controller stops deciding before anything else closes, so nodes stopped beside the
// control plane (Ctrl-C, a failed `npm start`) never leave a failover version in the store.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void failover.stop());

await runComponent({
  id: replicaId,
  kind: 'control-plane',
  host: cp.host,
  port,
  adminPort,
  app,
  admin,
  telemetry,
  onClose: async () => {
    await failover.stop();
    // Resigning hands the controller to another replica at once instead of after the lease TTL.
    await election?.stop();
    if (controllerService !== service) controllerService.close();
    service.close();
    await store.close();
    await dispatcher.close();
  },
});
// Probing starts once the API answers: nodes watch it, and the controller acts through it.
election?.start();
failover.start();
