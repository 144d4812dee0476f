import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { COMMANDS } from '../lib/commands.js';

const topology = loadTopologyFile(new URL('../../../config/topology.yaml', import.meta.url).pathname);

describe('k6 lib/commands.js', () => {
  it('matches the commands of config/topology.yaml (method, path, kind, priority)', () => {
    for (const c of Object.values(COMMANDS)) {
      const routed = topology.commands.find((x) => x.name === c.name);
      assert.ok(routed, `${c.name} is not a command of the topology`);
      assert.deepEqual(
        { method: c.method, path: c.path, kind: c.kind, priority: c.priority },
        { method: routed.method, path: routed.path, kind: routed.kind, priority: routed.priority },
        c.name,
      );
    }
  });
});
