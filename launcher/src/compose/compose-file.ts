import { INTERNAL_TOKEN_ENV, WORKERS_ENV } from '@setgate/contracts';
import { type LoadedTopology, secretSites } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { devAdminTokens } from '../admin-tokens.js';
import { type ComponentKind, componentCommand, HEALTHCHECK_MODULE } from '../deploy/entrypoints.js';
import { k6Service } from './k6-service.js';
import { observabilityServices } from './observability.js';
import { composeRedisName, redisServices } from './redis-services.js';

/** Where the generated files live, relative to the repository root. */
export const COMPOSE_TOPOLOGY_PATH = 'deploy/topology.compose.yaml';

/**
 * docker-compose services for a container topology (see composeTopology): one
 * service per instance from the same image, started in dependency order; a
 * Redis per region for its gateways' rate limits; the OpenTelemetry collector,
 * Prometheus and Grafana; k6 under the `k6` and `drill` profiles. Only
 * regional proxies (the entry points), the control plane's admin API,
 * Prometheus and Grafana publish ports to the host. No credential is in the
 * file: each is the caller's environment variable (an `.env` file beside it
 * works), and compose refuses to start without it.
 *
 * @param root the repository root: each component's command is the module its package exports
 */
export function composeFile(topology: LoadedTopology, root: string): Record<string, unknown> {
  const view = new TopologyView(topology);
  const services: Record<string, unknown> = { ...observabilityServices(required), ...redisServices(topology) };
  const byKind = (kind: string) => view.allInstances().filter((i) => i.kind === kind);
  const cp = topology.controlPlane;
  // Every hop authenticates with the stack's internal token; components watch the control plane with a
  // viewer token; each component reads the topology's secret references it uses from its environment.
  const hopEnv = { [INTERNAL_TOKEN_ENV]: required(INTERNAL_TOKEN_ENV, 'the stack\'s internal (hop) token, at least 32 characters') };
  const viewer = devAdminTokens(topology).find((t) => t.role === 'viewer');
  const watchEnv: Record<string, string> =
    cp && viewer ? { SETGATE_CONTROL_PLANE_TOKEN: required('SETGATE_CONTROL_PLANE_TOKEN', 'a viewer token of the control plane') } : {};
  const secretEnv = (reader: string): Record<string, string> =>
    Object.fromEntries(
      secretSites(topology)
        .filter((s) => s.reader === reader)
        .flatMap(({ ref, path, kind }) => (ref.env ? [[ref.env, required(ref.env, kind === 'hmac' ? `the secret of ${path}, at least 32 characters` : `the password of ${path}`)]] : [])),
    );
  const command = (kind: ComponentKind, id?: string) => [...componentCommand(root, kind), ...(id ? ['--id', id] : []), '--config', COMPOSE_TOPOLOGY_PATH, '--data', '/data'];
  if (cp) {
    services[cp.id] = {
      ...common({ ...hopEnv, ...secretEnv('control-plane') }),
      command: command('control-plane'),
      volumes: ['control-plane-data:/data'],
      healthcheck: healthcheck(),
      ports: [`${cp.port}:${cp.port}`],
    };
  }
  const dependsOn = (kind: string, region: string): string[] => {
    if (kind === 'set-runtime') return cp ? [cp.id] : [];
    if (kind === 'gateway') return [...byKind('set-runtime').map((i) => i.id), composeRedisName(region)];
    return byKind('gateway').map((i) => i.id);
  };
  // Gateways and proxies run SETGATE_WORKERS workers each (a number or `auto`, one per core the container
  // sees): one by default, as every region's components share the one machine compose runs on.
  const workersEnv = (kind: string): Record<string, string> =>
    kind === 'gateway' || kind === 'regional-proxy' ? { [WORKERS_ENV]: `\${${WORKERS_ENV}:-1}` } : {};
  for (const i of view.allInstances()) {
    const env = { ...hopEnv, ...watchEnv, ...secretEnv(i.kind), ...workersEnv(i.kind) };
    const service: Record<string, unknown> = {
      ...common(env),
      command: command(i.kind, i.id),
      healthcheck: healthcheck(),
      depends_on: Object.fromEntries(dependsOn(i.kind, i.region).map((d) => [d, { condition: 'service_healthy' }])),
    };
    if (i.kind === 'set-runtime') service.volumes = [`${i.id}-data:/data`];
    if (i.kind === 'regional-proxy') service.ports = [`${i.port}:${i.port}`];
    services[i.id] = service;
  }
  // Load and failure drills with k6 against the entry points: only with `--profile k6` or `--profile drill`.
  services.k6 = k6Service(topology);
  return {
    services,
    volumes: Object.fromEntries([
      ...byKind('set-runtime').map((i) => [`${i.id}-data`, {}]),
      ...(cp ? [['control-plane-data', {}]] : []),
      ['prometheus-data', {}],
      ['grafana-data', {}],
    ]),
  };
}

/** What every setgate service shares: the image, telemetry export and restart policy. */
function common(env: Record<string, string> = {}): Record<string, unknown> {
  return {
    image: 'setgate:local',
    build: { context: '.', dockerfile: 'deploy/Dockerfile' },
    environment: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', SETGATE_LOG_LEVEL: 'info', ...env },
    restart: 'unless-stopped',
  };
}

/** Healthy once the component's admin listener answers its health route (the image's check, more often). */
function healthcheck(): Record<string, unknown> {
  return {
    test: ['CMD', 'node', HEALTHCHECK_MODULE],
    interval: '5s',
    timeout: '2s',
    retries: 5,
    start_period: '60s',
  };
}

/** Compose interpolation of the caller's variable `name`; compose refuses to start without it. */
const required = (name: string, what: string): string => `\${${name}:?set ${name}: ${what}}`;
