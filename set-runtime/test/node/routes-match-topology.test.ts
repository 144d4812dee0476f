import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { NodePath } from '@setgate/contracts';
import { startTestNode, type TestNode } from '../helpers/node.js';

describe('node routes', () => {
  let t: TestNode;
  before(async () => {
    t = startTestNode('east-a-1');
    // Routes inside the node's data scope exist once its plugins have loaded.
    await t.node.app.ready();
  });
  after(() => t.cleanup());

  it('serve every upstream path of the shipped route table', () => {
    const shipped = loadTopologyFile(fileURLToPath(new URL('../../../config/topology.yaml', import.meta.url)));
    assert.ok(shipped.commands.length > 0);
    for (const c of shipped.commands) {
      const url = c.upstream.path.replace('{key}', ':key');
      assert.ok(t.node.app.hasRoute({ method: c.upstream.method, url }), `${c.name}: ${c.upstream.method} ${url}`);
    }
  });

  it('serve the raw state API and health', () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      assert.ok(t.node.app.hasRoute({ method, url: NodePath.state }), method);
    }
    assert.ok(t.node.app.hasRoute({ method: 'GET', url: NodePath.health }));
  });
});
