import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultTopologyPath, loadTopologyFile, TopologyError } from '@setgate/config';
import { createDispatcher } from '@setgate/http-client';
import { createAdminServer, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { ConfigService } from './config-service.js';
import { FailoverController } from './failover/controller.js';
import { HttpNodeProbe } from './failover/probe.js';
import { buildControlPlaneApp } from './http/app.js';
import { Operations } from './ops/operations.js';
import { OpsService } from './ops/ops-service.js';
import { HttpReplicationControl } from './ops/replication-control.js';
import { openConfigStore } from './store/open-store.js';

/**
 * The control plane process: `[--config FILE] [--data DIR]`. The file seeds
 * version 1 when the store is empty and gives the static controlPlane section;
 * after that the store is the source of truth.
 */
const { values } = parseArgs({ options: { config: { type: 'string' }, data: { type: 'string' }, id: { type: 'string' } } });
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

const telemetry = startTelemetry({ service: 'control-plane', instance: cp.id });
const store = await openConfigStore(cp.store, resolve(values.data ?? 'data'));
const service = new ConfigService(store);
const current = await service.bootstrap(seed, configPath);
const dispatcher = createDispatcher({ connections: 16 });
const operations = new Operations();
const control = new HttpReplicationControl(dispatcher);
const ops = new OpsService({ service, operations, control });
const failover = new FailoverController({
  service,
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
});
const admin = createAdminServer({
  telemetry,
  status: async () => ({
    id: cp.id,
    kind: 'control-plane',
    store: cp.store.kind,
    configVersion: (await service.current()).record.version,
    failoverController: failover.status(),
  }),
});
telemetry.logger.info({ version: current.record.version, store: cp.store.kind }, 'config store open');

await runComponent({
  id: cp.id,
  kind: 'control-plane',
  host: cp.host,
  port: cp.port,
  adminPort: cp.adminPort,
  app,
  admin,
  telemetry,
  onClose: async () => {
    await failover.stop();
    service.close();
    await store.close();
    await dispatcher.close();
  },
});
// Probing starts once the API answers: nodes watch it, and the controller acts through it.
failover.start();
