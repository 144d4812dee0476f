import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';

/** Pinned images of the telemetry services. */
export const OTEL_COLLECTOR_IMAGE = 'otel/opentelemetry-collector-contrib:0.114.0';
export const PROMETHEUS_IMAGE = 'prom/prometheus:v3.0.1';
export const GRAFANA_IMAGE = 'grafana/grafana:11.3.1';

/** Where the collector's Prometheus exporter serves the span metrics it derives from every trace. */
export const OTEL_METRICS_PORT = 8889;
export const PROMETHEUS_PORT = 9090;
export const GRAFANA_PORT = 3000;
export const PROMETHEUS_CONFIG_PATH = 'deploy/prometheus.yml';
/** setgate's alert rules (checked and unit-tested with promtool: launcher/test/prometheus-rules.test.ts). */
export const PROMETHEUS_RULES_PATH = 'deploy/prometheus/alerts.yml';
const RULES_IN_CONTAINER = '/etc/prometheus/rules/alerts.yml';
/** One Grafana dashboard per tier, provisioned by deploy/grafana/provisioning/dashboards. */
export const GRAFANA_DASHBOARDS_PATH = 'deploy/grafana/dashboards';

/**
 * The telemetry services: the OpenTelemetry collector (traces in over OTLP,
 * request rate/latency per span out as Prometheus metrics), Prometheus (scrapes
 * the collector and every setgate process's /metrics) and Grafana (Prometheus
 * as its provisioned data source; its admin password from the caller's
 * environment).
 */
export function observabilityServices(required: (name: string, what: string) => string): Record<string, unknown> {
  return {
    'otel-collector': {
      image: OTEL_COLLECTOR_IMAGE,
      command: ['--config=/etc/otelcol/config.yaml'],
      volumes: ['./deploy/otel-collector.yaml:/etc/otelcol/config.yaml:ro'],
      restart: 'unless-stopped',
    },
    prometheus: {
      image: PROMETHEUS_IMAGE,
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=7d'],
      volumes: [`./${PROMETHEUS_CONFIG_PATH}:/etc/prometheus/prometheus.yml:ro`, `./${PROMETHEUS_RULES_PATH}:${RULES_IN_CONTAINER}:ro`, 'prometheus-data:/prometheus'],
      ports: [`${PROMETHEUS_PORT}:${PROMETHEUS_PORT}`],
      depends_on: ['otel-collector'],
      restart: 'unless-stopped',
    },
    grafana: {
      image: GRAFANA_IMAGE,
      environment: {
        GF_SECURITY_ADMIN_PASSWORD: required('GRAFANA_ADMIN_PASSWORD', "Grafana's admin password"),
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
      },
      volumes: [
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        `./${GRAFANA_DASHBOARDS_PATH}:/etc/grafana/dashboards:ro`,
        'grafana-data:/var/lib/grafana',
      ],
      ports: [`${GRAFANA_PORT}:${GRAFANA_PORT}`],
      depends_on: ['prometheus'],
      restart: 'unless-stopped',
    },
  };
}

/** Prometheus's configuration: the collector's span metrics and each process's admin /metrics, labelled by kind and region. */
export function prometheusConfig(topology: LoadedTopology): Record<string, unknown> {
  const view = new TopologyView(topology);
  const cp = topology.controlPlane;
  const targets = [
    ...(cp ? [{ targets: [`${cp.host}:${cp.adminPort}`], labels: { kind: 'control-plane', instance_id: cp.id } }] : []),
    ...view.allInstances().map((i) => ({ targets: [`${i.host}:${i.adminPort}`], labels: { kind: i.kind, region: i.region, instance_id: i.id } })),
  ];
  return {
    global: { scrape_interval: '15s', evaluation_interval: '15s' },
    rule_files: [RULES_IN_CONTAINER],
    scrape_configs: [
      { job_name: 'otel-collector-spanmetrics', static_configs: [{ targets: [`otel-collector:${OTEL_METRICS_PORT}`] }] },
      { job_name: 'setgate', metrics_path: '/metrics', static_configs: targets },
    ],
  };
}
