import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTopologyFile } from '@setgate/config';
import { TopologyView } from '../src/index.js';

const view = new TopologyView(loadTopologyFile(new URL('../../../config/topology.yaml', import.meta.url).pathname));

describe('TopologyView', () => {
  it('orders regions by RTT, itself first', () => {
    assert.deepEqual(view.regionsByDistance('us-east'), ['us-east', 'eu-west', 'ap-south']);
    assert.deepEqual(view.regionsByDistance('ap-south'), ['ap-south', 'eu-west', 'us-east']);
    assert.equal(view.rtt('eu-west', 'us-east'), 75);
    assert.equal(view.rtt('eu-west', 'eu-west'), 0);
  });

  it('finds the write-point and the replicas of a shard', () => {
    const p = view.placement(0);
    const wp = view.writePoint(0);
    assert.equal(wp.set, p.leader);
    assert.equal(view.replicaNodes(0).length, 3);
    const near = view.replicasByDistance(0, 'ap-south');
    assert.equal(near[0]?.region, 'ap-south');
    assert.equal(near[2]?.region, 'us-east');
  });

  it('knows every instance with its URLs', () => {
    const gw = view.instance('eu-west-gw-2');
    assert.equal(gw?.kind, 'gateway');
    assert.equal(gw?.region, 'eu-west');
    assert.equal(gw?.url, 'http://127.0.0.1:7212');
    assert.equal(view.gatewaysOf('us-east').length, 2);
    assert.equal(view.allInstances().length, 3 * (1 + 2 + 2));
  });

  it('lists the shards a set holds', () => {
    const total = ['us-east-a', 'us-east-b'].reduce((n, s) => n + view.shardsOfSet(s).length, 0);
    assert.equal(total, 64, 'each shard has exactly one replica in us-east');
  });

  it('throws for a shard without placement', () => {
    assert.throws(() => view.placement(64), RangeError);
  });
});
