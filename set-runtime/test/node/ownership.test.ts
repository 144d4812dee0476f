import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ownership } from '../../src/ownership.js';
import { testView } from '../helpers/topology.js';

describe('Ownership', () => {
  it('holds the shards whose placement lists its set and leads those it is the write-point of', () => {
    const leader = new Ownership(testView(), 'east-a-1');
    assert.deepEqual(leader.heldShards(), [0, 2, 4, 6]);
    assert.equal(leader.holds(1), false);
    assert.equal(leader.isWritePoint(0), true);

    const sibling = new Ownership(testView(), 'east-a-2');
    assert.deepEqual(sibling.heldShards(), [0, 2, 4, 6]);
    assert.equal(sibling.isWritePoint(0), false, 'the write-point is the first node of the leader set');

    const west = new Ownership(testView(), 'west-a-1');
    assert.deepEqual(west.heldShards(), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(west.isWritePoint(1), true);
    assert.equal(west.isWritePoint(0), false);
  });

  it('names the write-point and its epoch as the owner', () => {
    const o = new Ownership(testView(), 'east-b-1');
    assert.deepEqual(o.owner(2), { shard: 2, set: 'east-a', node: 'east-a-1', url: 'http://127.0.0.1:9120', epoch: 3 });
  });

  it('swaps to a new topology version whole, and refuses one without this node', () => {
    const o = new Ownership(testView(), 'east-a-1');
    o.swap(testView({ version: 8, shard2Epoch: 4 }));
    assert.equal(o.view.version, 8);
    assert.equal(o.owner(2).epoch, 4);
    assert.throws(() => new Ownership(testView(), 'nobody'), /not in config version 7/);
  });
});
