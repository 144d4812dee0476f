import { type LoadedTopology, loadTopologyFile, resolveSecret } from '@setgate/config';
import { CONTROL_PLANE_TOKEN_ENV, controlPlaneUrls, fetchCurrentTopologyFromAny, logAndMeasureWatch, watchControlPlane } from '@setgate/config-watch';
import { createDispatcher } from '@setgate/http-client';
import { createRedis } from '@setgate/redis-client';
import { componentArgs, createAdminServer, runComponent, workerCount, workerSlot } from '@setgate/service-kit';
import { startTelemetry } from '@setgate/telemetry';
import { buildRoutingTable, type RoutingTable, TopologyView } from '@setgate/topology';
import { buildGateway } from './app.js';
import { registerWitness } from './health/witness.js';
import { rateLimitRedisUrl } from './stages/rate-limit/options.js';
import { processHopSecrets } from '@setgate/contracts';
import { takeWorkersSessionSecret } from './workers-session-secret.js';

/**
 * The gateway (one process, or one worker of several: main.ts): `--id <gateway id> [--config FILE]`. Its region,
 * host and ports come from its instance in the topology. With a control plane
 * (the topology names one and SETGATE_CONTROL_PLANE_TOKEN is set) it follows
 * new versions; a node's 421 then re-reads the control plane, else the file.
 */
const args = componentArgs();
const self = new TopologyView(args.topology).instance(args.id);
if (self === undefined || self.kind !== 'gateway') {
  process.stderr.write(`${args.id} is not a gateway in ${args.configPath}\n`);
  process.exit(2);
}

const worker = workerSlot();
const workers = worker === undefined ? 1 : workerCount();
const unsharedSessionSecret = takeWorkersSessionSecret();
const telemetry = startTelemetry({ service: 'gateway', instance: self.id, region: self.region, ...(worker ? { worker } : {}) });
// One dispatcher per process: undici keeps one keep-alive pool per node behind it.
const dispatcher = createDispatcher();
// One Redis client per process, shared by the region's gateways for rate limits; its timeouts bound each sync batch.
const { redisTimeoutMs, redisPassword } = args.topology.gateway.rateLimit;
const redisUrl = rateLimitRedisUrl(args.topology, self.region);
const redis =
  redisUrl === undefined
    ? undefined
    : createRedis(redisUrl, {
        name: self.id,
        connectTimeoutMs: redisTimeoutMs,
        commandTimeoutMs: redisTimeoutMs,
        ...(redisPassword ? { password: resolveSecret(redisPassword, 'gateway.rateLimit.redisPassword', process.env, 1) } : {}),
      });
// ioredis reports every failed reconnect; the limiter logs the mode change once instead.
redis?.on('error', () => {});
// The stack's hop secrets (SETGATE_INTERNAL_TOKEN[_PREVIOUS|_FILE]): sent to nodes, asked of regional proxies.
const hopSecrets = processHopSecrets((err) =>
  err ? telemetry.logger.warn({ err }, 'hop secrets file refused') : telemetry.logger.info('hop secrets reloaded'),
);
const app = buildGateway({
  topology: args.topology,
  ...(hopSecrets ? { hopSecrets } : {}),
  ...(self.tls ? { tls: self.tls } : {}),
  region: self.region,
  telemetry,
  dispatcher,
  ...(redis ? { redis } : {}),
  reloadTopology: reloadSource(),
  workers,
  ...(unsharedSessionSecret ? { unsharedSessionSecret } : {}),
});
/** The nodes the failover witness may probe: those of the version in force. */
let witnessView = new TopologyView(args.topology);
/**
 * Auth (keys, secret references) and the gateway policy are read once, at start; a version that
 * changes them is said in the log, so a rotation knows to roll the gateways. References only: no value.
 */
const fixedAtStart = (t: LoadedTopology) => JSON.stringify([t.auth, t.gateway]);
const startPolicy = fixedAtStart(args.topology);
const watcher = watchControlPlane<RoutingTable>({
  topology: args.topology,
  // The new table is built beside the live one, off the request path, then swapped whole.
  build: buildRoutingTable,
  onUpdate: (table, topology) => {
    witnessView = new TopologyView(topology);
    app.gatewayTopology.apply(table);
    telemetry.logger.info({ version: table.version }, 'routing table swapped from the control plane');
    if (fixedAtStart(topology) !== startPolicy) {
      telemetry.logger.warn({ version: table.version }, 'auth or gateway policy differs from the version this gateway started with: it applies at its next restart');
    }
  },
  onEvent: logAndMeasureWatch(telemetry.logger, telemetry.meter, args.topology.version),
});

/** Where a 421 makes the gateway look for a newer topology. */
function reloadSource(): () => Promise<LoadedTopology> {
  const urls = controlPlaneUrls(args.topology);
  const token = process.env[CONTROL_PLANE_TOKEN_ENV];
  if (urls.length > 0 && token) return () => fetchCurrentTopologyFromAny(urls, token);
  return async () => loadTopologyFile(args.configPath);
}
const admin = createAdminServer({
  telemetry,
  status: () => ({
    id: self.id,
    kind: self.kind,
    region: self.region,
    configVersion: app.gatewayTopology.version,
    tokenCache: app.tokenAuthenticator.stats,
    rateLimit: app.regionLimiter.status(),
    admission: { inFlight: app.admission.inFlight, shed: app.admission.shed },
    upstream: app.upstreamStatus(),
  }),
});
registerWitness(admin, {
  id: self.id,
  region: self.region,
  nodeUrl: (id) => witnessView.node(id)?.url,
  secrets: hopSecrets,
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
    await watcher?.stop();
    await dispatcher.close();
    redis?.disconnect();
  },
});
