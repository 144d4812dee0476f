import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { proxyOptionsFromTopology } from '../src/topology-options.js';

const view = new TopologyView(loadTopologyFile(defaultTopologyPath()));

describe('proxyOptionsFromTopology', () => {
  it("takes the region from the proxy's own instance and lists every region's gateways", () => {
    const placed = proxyOptionsFromTopology(view, 'eu-west-proxy-1');
    assert.equal(placed.region, 'eu-west');
    assert.deepEqual(
      placed.gateways.filter((g) => g.region === 'eu-west').map((g) => g.id),
      view.gatewaysOf('eu-west').map((g) => g.id),
    );
    assert.equal(placed.gateways.length, view.allInstances().filter((i) => i.kind === 'gateway').length);
  });

  it("probes each gateway's health on its traffic listener", () => {
    const placed = proxyOptionsFromTopology(view, 'us-east-proxy-1');
    for (const g of placed.gateways) assert.equal(g.healthUrl, `${view.instance(g.id)?.url}/_setgate/health`);
  });

  it("gives the gateway room past the slowest command's timeout", () => {
    const slowest = Math.max(...view.doc.commands.map((c) => c.timeoutMs));
    assert.ok(proxyOptionsFromTopology(view, 'us-east-proxy-1').upstreamTimeoutMs > slowest);
  });

  it('refuses an id that is not a regional proxy', () => {
    assert.throws(() => proxyOptionsFromTopology(view, 'us-east-gw-1'), /not a regional proxy/);
    assert.throws(() => proxyOptionsFromTopology(view, 'nowhere'), /not a regional proxy/);
  });
});
