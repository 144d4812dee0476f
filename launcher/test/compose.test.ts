import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { parse } from 'yaml';
import { COMPOSE_TOPOLOGY_PATH, generateCompose } from '../src/index.js';

const root = new URL('../../', import.meta.url).pathname;

describe('docker-compose generation', () => {
  const generated = generateCompose(`${root}config/topology.yaml`);

  it('is up to date with config/topology.yaml (run `npm run compose` after editing it)', () => {
    assert.equal(readFileSync(`${root}docker-compose.yml`, 'utf8'), generated.compose);
    assert.equal(readFileSync(`${root}${COMPOSE_TOPOLOGY_PATH}`, 'utf8'), generated.topology);
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
});
