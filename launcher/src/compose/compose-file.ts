import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';

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
  const dependsOn: Record<string, string[]> = {
    'set-runtime': [],
    gateway: byKind('set-runtime').map((i) => i.id),
    'regional-proxy': byKind('gateway').map((i) => i.id),
  };
  for (const i of view.allInstances()) {
    const service: Record<string, unknown> = {
      image: 'setgate:local',
      build: { context: '.', dockerfile: 'deploy/Dockerfile' },
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
      environment: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
        SETGATE_LOG_LEVEL: 'info',
      },
      healthcheck: {
        test: ['CMD', 'node', '-e', `fetch('http://${i.host}:${i.adminPort}/_setgate/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
        interval: '5s',
        timeout: '2s',
        retries: 5,
      },
      depends_on: Object.fromEntries(
        (dependsOn[i.kind] ?? []).map((d) => [d, { condition: 'service_healthy' }]),
      ),
      restart: 'unless-stopped',
    };
    if (i.kind === 'set-runtime') service.volumes = [`${i.id}-data:/data`];
    if (i.kind === 'regional-proxy') service.ports = [`${i.port}:${i.port}`];
    services[i.id] = service;
  }
  return {
    name: 'setgate',
    services,
    volumes: Object.fromEntries(byKind('set-runtime').map((i) => [`${i.id}-data`, {}])),
  };
}
