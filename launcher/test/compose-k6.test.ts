import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { parse } from 'yaml';
import { COMPOSE_TOPOLOGY_PATH, DEV_ADMIN_TOKENS, generateCompose } from '../src/index.js';

const root = new URL('../../', import.meta.url).pathname;

interface K6Service {
  image: string;
  profiles: string[];
  command: string[];
  volumes: string[];
  environment: Record<string, string>;
  depends_on: Record<string, { condition: string }>;
}

describe('docker-compose k6 profile', () => {
  const compose = parse(generateCompose(`${root}config/topology.yaml`, root).compose) as { services: Record<string, unknown> };
  const k6 = compose.services.k6 as K6Service;
  const topology = loadTopologyFile(`${root}${COMPOSE_TOPOLOGY_PATH}`);
  const proxies = new TopologyView(topology).allInstances().filter((i) => i.kind === 'regional-proxy');

  it('runs a script of loadtest/k6 with grafana/k6, only under the k6 and drill profiles', () => {
    assert.match(k6.image, /^grafana\/k6:\d+\.\d+\.\d+$/);
    assert.deepEqual(k6.profiles, ['k6', 'drill']);
    assert.ok(k6.volumes.includes('./loadtest/k6:/scripts:ro'));
    const script = k6.command.find((c) => c.startsWith('/scripts/'));
    assert.ok(script && existsSync(`${root}loadtest/k6/${script.slice('/scripts/'.length)}`), `${script} exists`);
  });

  it('targets every region entry point by service name, after they are healthy', () => {
    assert.deepEqual(
      k6.environment.SETGATE_TARGETS?.split(','),
      proxies.map((p) => `http://${p.id}:${p.port}`),
    );
    for (const p of proxies) assert.equal(k6.depends_on[p.id]?.condition, 'service_healthy');
    assert.equal(k6.environment.SETGATE_ADMIN_URL, `http://${topology.controlPlane?.id}:${topology.controlPlane?.port}`);
  });

  it('takes secrets from the caller by reference, never holds one', () => {
    // Compose interpolation of the caller's variables.
    assert.equal(k6.environment.SETGATE_JWT_SECRET, `\${SETGATE_JWT_SECRET:-}`);
    assert.equal(k6.environment.SETGATE_ADMIN_TOKEN, `\${SETGATE_ADMIN_TOKEN:-}`);
    const text = JSON.stringify(k6);
    for (const token of Object.values(DEV_ADMIN_TOKENS)) assert.ok(!text.includes(token));
  });
});
