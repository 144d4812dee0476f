import { loadTopologyFile } from '@setgate/config';
import { createDispatcher } from '@setgate/http-client';
import { createRedis } from '@setgate/redis-client';
import { componentArgs, createAdminServer, runComponent } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { TopologyView } from '@setgate/topology';
import { buildGateway } from './app.js';

/**
 * The gateway process: `--id <gateway id> [--config FILE]`. Its region,
 * host and ports come from its instance in the topology.
 */
const args = componentArgs();
const self = new TopologyView(args.topology).instance(args.id);
if (self === undefined || self.kind !== 'gateway') {
  process.stderr.write(`${args.id} is not a gateway in ${args.configPath}\n`);
  process.exit(2);
}

const telemetry = startTelemetry({ service: 'gateway', instance: self.id, region: self.region });
// One dispatcher per process: undici keeps one keep-alive pool per node behind it.
const dispatcher = createDispatcher();
// One Redis client per process, shared by the region's gateways for rate limits; its timeouts bound each sync batch.
const { redisUrl, redisTimeoutMs } = args.topology.gateway.rateLimit;
const redis =
  redisUrl === undefined
    ? undefined
    : createRedis(redisUrl, { name: self.id, connectTimeoutMs: redisTimeoutMs, commandTimeoutMs: redisTimeoutMs });
// ioredis reports every failed reconnect; the limiter logs the mode change once instead.
redis?.on('error', () => {});
const app = buildGateway({
  topology: args.topology,
  region: self.region,
  telemetry,
  dispatcher,
  ...(redis ? { redis } : {}),
  reloadTopology: async () => loadTopologyFile(args.configPath),
});
const admin = createAdminServer({
  telemetry,
  status: () => ({
    id: self.id,
    kind: self.kind,
    region: self.region,
    configVersion: args.topology.version,
    tokenCache: app.tokenAuthenticator.stats,
    rateLimit: app.regionLimiter.status(),
    admission: { inFlight: app.admission.inFlight, shed: app.admission.shed },
  }),
});

await runComponent({
  id: self.id,
  kind: 'gateway',
  host: self.host,
  port: self.port,
  adminPort: self.adminPort,
  app,
  admin,
  telemetry,
  onClose: async () => {
    await dispatcher.close();
    redis?.disconnect();
  },
});
