import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { COMPOSE_TOPOLOGY_PATH, HEALTHCHECK_MODULE, OTEL_METRICS_PORT, PROMETHEUS_CONFIG_PATH, PROMETHEUS_PORT } from '../src/index.js';
import { knownSecretValues } from './helpers/secret-values.js';

const root = new URL('../../', import.meta.url).pathname;
const COMPOSE = `${root}docker-compose.yml`;
const read = (path: string | URL) => readFileSync(path, 'utf8');

interface Service {
  image?: string;
  profiles?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test?: string[] };
}
const compose = parse(read(COMPOSE)) as { name?: string; services: Record<string, Service> };
const topology = loadTopologyFile(`${root}${COMPOSE_TOPOLOGY_PATH}`);
const view = new TopologyView(topology);

/** The variables the file requires (`${NAME:?...}`), each set to a throwaway value of the right length. */
function requiredEnv(): Record<string, string> {
  const names = new Set([...read(COMPOSE).matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1] as string));
  return Object.fromEntries([...names].map((n) => [n, `test-only-${n.toLowerCase()}-value-0123456789abcdef`]));
}

/**
 * A validator for a vendored JSON schema (fixtures/, Apache-2.0): the Compose
 * Specification, as Compose v2 validates with it, or SchemaStore's Prometheus
 * configuration. Formats are not checked (only uri-reference is used, on fields
 * we do not set).
 */
function schemaValidator(fixture: string) {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  // The compose spec names draft-07 by its https URL; ajv knows draft-07 under http.
  const draft7 = JSON.parse(read(`${root}node_modules/ajv/dist/refs/json-schema-draft-07.json`)) as Record<string, unknown>;
  ajv.addMetaSchema({ ...draft7, $id: 'https://json-schema.org/draft-07/schema' });
  return ajv.compile(JSON.parse(read(new URL(`./fixtures/${fixture}`, import.meta.url))));
}

/** `service.VARIABLE` of every credential-like variable whose value is not an interpolation of the caller's environment. */
function inlineCredentials(): string[] {
  return Object.entries(compose.services).flatMap(([name, s]) =>
    Object.entries(s.environment ?? {})
      .filter(([k, v]) => /TOKEN|SECRET|PASSWORD/.test(k) && !/^\$\{[A-Z0-9_]+(:\?|:-)/.test(v))
      .map(([k]) => `${name}.${k}`),
  );
}

describe('docker-compose.yml validity', () => {
  it('is accepted by the Compose Specification schema (Compose v2), which refuses a misspelt field', () => {
    const validate = schemaValidator('compose-spec/compose-spec.json');
    assert.ok(validate(compose), JSON.stringify(validate.errors?.slice(0, 5)));
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    const first = Object.values(broken.services)[0];
    if (first) first.restrat = 'always';
    assert.equal(validate(broken), false, 'the schema check can fail');
  });

  it('has no top-level name (docker-compose v1 refuses it)', () => {
    assert.equal(compose.name, undefined);
  });

  it('is accepted by `docker-compose config` (v1) with its variables set, and refused without the internal token', (t) => {
    const probe = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (probe.error) {
      // CI installs Debian's docker-compose (.ci/run): there the check is never skipped.
      if (process.env.CI) assert.fail('docker-compose (v1) is not installed: .ci/run installs the docker-compose package');
      t.skip('docker-compose (v1) is not installed here: apt-get install docker-compose');
      return;
    }
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...requiredEnv() };
    const ok = spawnSync('docker-compose', ['-f', COMPOSE, '--project-directory', root, 'config', '--quiet'], { encoding: 'utf8', env });
    assert.equal(ok.status, 0, ok.stderr);
    const { SETGATE_INTERNAL_TOKEN: _, ...withoutToken } = env;
    const refused = spawnSync('docker-compose', ['-f', COMPOSE, '--project-directory', root, 'config', '--quiet'], { encoding: 'utf8', env: withoutToken });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SETGATE_INTERNAL_TOKEN/);
  });

  it('gives each region a Redis that its gateways, and only they, count rate limits in', () => {
    for (const r of topology.regions) {
      const redis = `redis-${r.name}`;
      assert.match(compose.services[redis]?.image ?? '', /^redis:\d/);
      assert.equal(r.rateLimitRedisUrl, `redis://${redis}:6379`);
      for (const g of view.gatewaysOf(r.name)) {
        const deps = compose.services[g.id]?.depends_on as Record<string, unknown>;
        assert.ok(deps[redis], `${g.id} starts after ${redis}`);
        assert.ok(!topology.regions.some((o) => o.name !== r.name && deps[`redis-${o.name}`]), `${g.id} uses no other region's Redis`);
      }
    }
  });

  it('exports traces to Prometheus through the collector, Prometheus scrapes every process, Grafana reads Prometheus', () => {
    const otel = parse(read(`${root}deploy/otel-collector.yaml`)) as {
      exporters: Record<string, { endpoint?: string }>;
      service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
    };
    const pipelines = Object.values(otel.service.pipelines);
    assert.ok(pipelines.some((p) => p.receivers.includes('otlp') && p.exporters.includes('spanmetrics')), 'traces feed span metrics');
    assert.ok(pipelines.some((p) => p.exporters.includes('prometheus')), 'metrics go to the Prometheus exporter');
    assert.equal(otel.exporters.prometheus?.endpoint, `0.0.0.0:${OTEL_METRICS_PORT}`);
    assert.ok(!pipelines.some((p) => p.exporters.includes('debug')), 'not only printed');
    const prom = parse(read(`${root}${PROMETHEUS_CONFIG_PATH}`)) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
    const promSchema = schemaValidator('schemastore/prometheus.json');
    assert.ok(promSchema(prom), `${PROMETHEUS_CONFIG_PATH}: ${JSON.stringify(promSchema.errors?.slice(0, 3))}`);
    assert.equal(promSchema({ ...prom, global: { scrape_intervall: '15s' } }), false, 'the Prometheus schema check can fail');
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    assert.ok(targets.includes(`otel-collector:${OTEL_METRICS_PORT}`));
    for (const i of view.allInstances()) assert.ok(targets.includes(`${i.id}:${i.adminPort}`), `${i.id} is scraped`);
    const cp = topology.controlPlane;
    if (cp) assert.ok(targets.includes(`${cp.id}:${cp.adminPort}`));
    for (const s of ['otel-collector', 'prometheus', 'grafana']) assert.ok(compose.services[s], `${s} service`);
    const ds = parse(read(`${root}deploy/grafana/provisioning/datasources/prometheus.yaml`)) as { datasources: Array<{ type: string; url: string }> };
    assert.deepEqual(ds.datasources.map((d) => [d.type, d.url]), [['prometheus', `http://prometheus:${PROMETHEUS_PORT}`]]);
    for (const i of view.allInstances()) {
      assert.equal(compose.services[i.id]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://otel-collector:4318');
    }
  });

  it("checks every setgate service's health with the image's own check, which the build emits", () => {
    for (const id of [...view.allInstances().map((i) => i.id), ...(topology.controlPlane ? [topology.controlPlane.id] : [])]) {
      assert.deepEqual(compose.services[id]?.healthcheck?.test, ['CMD', 'node', HEALTHCHECK_MODULE], id);
    }
    assert.ok(existsSync(`${root}${HEALTHCHECK_MODULE}`), `${HEALTHCHECK_MODULE} exists after npx tsc -b`);
  });

  it('runs k6 under the drill profile', () => {
    assert.ok(compose.services.k6?.profiles?.includes('drill'));
    assert.match(compose.services.k6?.image ?? '', /^grafana\/k6:/);
  });

  it('holds no secret value: every credential is the caller\'s variable', () => {
    const texts = [COMPOSE, `${root}${COMPOSE_TOPOLOGY_PATH}`, `${root}${PROMETHEUS_CONFIG_PATH}`, `${root}deploy/otel-collector.yaml`].map((p) => read(p));
    const values = knownSecretValues(root);
    for (const text of texts) for (const v of values) assert.ok(!text.includes(v), 'a secret value is committed');
    assert.deepEqual(inlineCredentials(), [], 'credentials given inline');
    const setgate = [...view.allInstances().map((i) => i.id), ...(topology.controlPlane ? [topology.controlPlane.id] : [])];
    for (const name of setgate) {
      assert.match(compose.services[name]?.environment?.SETGATE_INTERNAL_TOKEN ?? '', /^\$\{SETGATE_INTERNAL_TOKEN:\?/, `${name} hop token`);
    }
  });
});
