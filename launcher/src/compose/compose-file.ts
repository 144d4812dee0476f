import { type LoadedTopology, secretSites } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { devAdminTokens } from '../admin-tokens.js';
import { k6Service } from './k6-service.js';

/** Where the generated files live, relative to the repository root. */
export const COMPOSE_TOPOLOGY_PATH = 'deploy/topology.compose.yaml';

const ENTRY: Record<string, string> = {
  'set-runtime': 'set-runtime/src/main.ts',
  gateway: 'gateway/src/main.ts',
  'regional-proxy': 'regional-proxy/src/main.ts',
};

/**
 * docker-compose services for a container topology (see composeTopology): one
 * service per instance from the same image, started in dependency order, with
 * an OpenTelemetry collector receiving every process's traces. Only regional
 * proxies publish ports to the host: they are the entry points.
 */
export function composeFile(topology: LoadedTopology): Record<string, unknown> {
  const view = new TopologyView(topology);
  const services: Record<string, unknown> = {
    'otel-collector': {
      image: 'otel/opentelemetry-collector:0.114.0',
      command: ['--config=/etc/otelcol/config.yaml'],
      volumes: ['./deploy/otel-collector.yaml:/etc/otelcol/config.yaml:ro'],
    },
  };
  const byKind = (kind: string) => view.allInstances().filter((i) => i.kind === kind);
  const cp = topology.controlPlane;
  // Components watch the control plane with a viewer token, and gateways read the topology's secrets
  // from their environment: all come from the caller's environment (compose interpolation, refused
  // when unset), so no generated file holds a credential.
  const viewer = devAdminTokens(topology).find((t) => t.role === 'viewer');
  const watchEnv: Record<string, string> = cp && viewer ? { SETGATE_CONTROL_PLANE_TOKEN: required('SETGATE_CONTROL_PLANE_TOKEN', 'a viewer token of the control plane') } : {};
  const secretEnv = Object.fromEntries(
    secretSites(topology).flatMap(({ ref, path }) => (ref.env ? [[ref.env, required(ref.env, `the secret of ${path}, at least 32 characters`)]] : [])),
  );
  if (cp) {
    services[cp.id] = {
      ...common(),
      command: ['node', '--import', 'tsx', 'config/src/control-plane/main.ts', '--config', COMPOSE_TOPOLOGY_PATH, '--data', '/data'],
      volumes: ['control-plane-data:/data'],
      healthcheck: healthcheck(cp.host, cp.adminPort),
      ports: [`${cp.port}:${cp.port}`],
    };
  }
  const dependsOn: Record<string, string[]> = {
    'set-runtime': cp ? [cp.id] : [],
    gateway: byKind('set-runtime').map((i) => i.id),
    'regional-proxy': byKind('gateway').map((i) => i.id),
  };
  for (const i of view.allInstances()) {
    const service: Record<string, unknown> = {
      ...common(i.kind === 'gateway' ? { ...watchEnv, ...secretEnv } : watchEnv),
      command: [
        'node',
        '--import',
        'tsx',
        ENTRY[i.kind],
        '--id',
        i.id,
        '--config',
        COMPOSE_TOPOLOGY_PATH,
        '--data',
        '/data',
      ],
      healthcheck: healthcheck(i.host, i.adminPort),
      depends_on: Object.fromEntries(
        (dependsOn[i.kind] ?? []).map((d) => [d, { condition: 'service_healthy' }]),
      ),
    };
    if (i.kind === 'set-runtime') service.volumes = [`${i.id}-data:/data`];
    if (i.kind === 'regional-proxy') service.ports = [`${i.port}:${i.port}`];
    services[i.id] = service;
  }
  // Load with k6 against the entry points: only with `--profile k6`.
  services.k6 = k6Service(topology);
  return {
    name: 'setgate',
    services,
    volumes: Object.fromEntries([
      ...byKind('set-runtime').map((i) => [`${i.id}-data`, {}]),
      ...(cp ? [['control-plane-data', {}]] : []),
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

/** Healthy once the instance's admin listener answers its health route. */
function healthcheck(host: string, adminPort: number): Record<string, unknown> {
  return {
    test: ['CMD', 'node', '-e', `fetch('http://${host}:${adminPort}/_setgate/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
    interval: '5s',
    timeout: '2s',
    retries: 5,
  };
}

/** Compose interpolation of the caller's variable `name`; compose refuses to start without it. */
const required = (name: string, what: string): string => `\${${name}:?set ${name}: ${what}}`;
