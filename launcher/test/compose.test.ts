import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTopologyFile, secretSites } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { parse } from 'yaml';
import { COMPOSE_TOPOLOGY_PATH, DEV_ADMIN_TOKENS, generateCompose, PROMETHEUS_CONFIG_PATH } from '../src/index.js';

const root = new URL('../../', import.meta.url).pathname;

describe('docker-compose generation', () => {
  const generated = generateCompose(`${root}config/topology.yaml`, root);

  it('is up to date with config/topology.yaml (run `npm run compose` after editing it)', () => {
    assert.equal(readFileSync(`${root}docker-compose.yml`, 'utf8'), generated.compose);
    assert.equal(readFileSync(`${root}${COMPOSE_TOPOLOGY_PATH}`, 'utf8'), generated.topology);
    assert.equal(readFileSync(`${root}${PROMETHEUS_CONFIG_PATH}`, 'utf8'), generated.prometheus);
  });

  it('produces a valid topology whose hosts are the service names', () => {
    const view = new TopologyView(loadTopologyFile(`${root}${COMPOSE_TOPOLOGY_PATH}`));
    for (const i of view.allInstances()) assert.equal(i.host, i.id);
  });

  it('has one service per instance, started after what it calls, with entry ports published', () => {
    const view = new TopologyView(loadTopologyFile(`${root}${COMPOSE_TOPOLOGY_PATH}`));
    const compose = parse(generated.compose) as {
      services: Record<string, { command?: string[]; depends_on?: Record<string, unknown>; ports?: string[] }>;
    };
    for (const i of view.allInstances()) {
      const s = compose.services[i.id];
      assert.ok(s, `no service for ${i.id}`);
      assert.ok(s.command?.includes(i.id));
      if (i.kind === 'gateway') assert.ok(Object.keys(s.depends_on ?? {}).length > 0);
      assert.equal(Boolean(s.ports), i.kind === 'regional-proxy', `${i.id} ports`);
      // Compiled code at run time: the module the package exports, which `tsc -b` emits.
      const module = s.command?.[1];
      assert.equal(s.command?.[0], 'node', `${i.id} runs node`);
      assert.ok(module?.endsWith('.js') && existsSync(`${root}${module}`), `${i.id}: ${module} exists after npx tsc -b`);
    }
    assert.ok(compose.services['otel-collector']);
    const cp = view.doc.controlPlane;
    if (cp) {
      assert.ok(compose.services[cp.id], 'the control plane has a service');
      for (const i of view.allInstances().filter((x) => x.kind === 'set-runtime')) {
        assert.ok(Object.keys(compose.services[i.id]?.depends_on ?? {}).includes(cp.id), `${i.id} starts after the control plane`);
      }
    }
  });

  it('holds no credential: secrets and the watch token come from the caller, and only gateways get the secrets', () => {
    const topology = loadTopologyFile(`${root}${COMPOSE_TOPOLOGY_PATH}`);
    const refs = secretSites(topology).map((s) => s.ref.env);
    assert.deepEqual(refs, ['SETGATE_JWT_SECRET', 'SETGATE_SESSION_TOKEN_SECRET']);
    for (const text of [generated.compose, generated.topology]) {
      for (const token of Object.values(DEV_ADMIN_TOKENS)) assert.ok(!text.includes(token), 'no development admin token');
    }
    const compose = parse(generated.compose) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const i of new TopologyView(topology).allInstances()) {
      const env = compose.services[i.id]?.environment ?? {};
      assert.match(env.SETGATE_CONTROL_PLANE_TOKEN ?? '', /^\$\{SETGATE_CONTROL_PLANE_TOKEN:\?/, `${i.id} watch token by interpolation`);
      for (const name of refs) {
        if (i.kind === 'gateway') assert.match(env[name as string] ?? '', new RegExp(`^\\$\\{${name}:\\?`), `${i.id} ${name}`);
        else assert.equal(env[name as string], undefined, `${i.id} gets no ${name}`);
      }
    }
  });
});
