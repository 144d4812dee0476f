import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { shardOf, TopologyView } from '@setgate/topology';
import { keyLedInRegion } from '../../src/bench/benchmarks/key-placement.js';

const view = new TopologyView(loadTopologyFile(defaultTopologyPath()));

test('for every region, the chosen key\'s shard is led from that region', () => {
  for (const region of view.regionNames()) {
    const placed = keyLedInRegion(view, region);
    assert.equal(placed.shard, shardOf(placed.key, view.shardCount));
    assert.equal(placed.writePoint.id, view.writePoint(placed.shard).id);
    assert.equal(placed.writePoint.region, region);
  }
});

test('the choice is deterministic', () => {
  const region = view.regionNames()[0] ?? '';
  assert.deepEqual(keyLedInRegion(view, region), keyLedInRegion(view, region));
});

test('a region that leads nothing is reported, not looped over forever', () => {
  assert.throws(() => keyLedInRegion(view, 'nowhere', 'k', 50), /no key among 50 candidates .* region nowhere/);
});
