import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTopology } from '@setgate/config';
import { shippedDoc, topology } from './shipped.js';
import { buildRoutingTable, RoutingTableRef } from '../../src/index.js';

describe('routing table', () => {
  const table = buildRoutingTable(topology());

  it('matches method and path, with params and a query string', () => {
    const m = table.match('DELETE', '/v1/cart/items/sku%2042?x=1');
    assert.equal(m?.command.def.name, 'cart.remove-item');
    assert.equal(m?.params.itemId, 'sku 42');
    assert.equal(m?.command.upstreamPath('u', m.params), '/cmd/cart/u/items/sku%2042');
  });

  it('tells an unknown path from a known path with another method', () => {
    assert.equal(table.match('POST', '/v1/profile'), null);
    assert.deepEqual(table.allowedMethods('/v1/profile').sort(), ['GET', 'PUT']);
    assert.deepEqual(table.allowedMethods('/v1/nothing'), []);
  });

  it('carries the version and view of its topology', () => {
    assert.equal(table.version, 1);
    assert.equal(table.view.shardCount, 64);
  });

  it('refuses a command whose upstream path names a param the public path lacks', () => {
    const doc = shippedDoc() as { commands: Array<{ upstream: { path: string } }> };
    const first = doc.commands[0];
    assert.ok(first);
    first.upstream.path = '/cmd/{key}/:missing';
    // The config's semantic check refuses it too; the table must not rely on that.
    assert.equal(validateTopology(doc).ok, false);
    assert.throws(() => buildRoutingTable(doc as never), /profile\.get.*:missing/);
  });
});

describe('routing table reference', () => {
  it('swaps atomically and hands back the previous table', () => {
    const v1 = buildRoutingTable(topology());
    const v2 = buildRoutingTable(
      topology((doc) => {
        doc.version = 2;
        ((doc.sets as Array<{ nodes: Array<{ port: number }> }>)[0]?.nodes[0] as { port: number }).port = 7999;
      }),
    );
    const ref = new RoutingTableRef(v1);
    const inFlight = ref.current;
    assert.equal(ref.swap(v2), v1);
    assert.equal(ref.current, v2);
    assert.equal(inFlight.version, 1, 'a request that took v1 keeps routing by v1');
    assert.equal(inFlight.view.node('us-east-a-1')?.port, 7120);
    assert.equal(ref.current.view.node('us-east-a-1')?.port, 7999);
  });
});
