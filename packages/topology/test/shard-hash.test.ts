import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shardOf } from '../src/index.js';

describe('shardOf', () => {
  it('is FNV-1a 32-bit mod shardCount (known vectors)', () => {
    // FNV-1a("") = 0x811c9dc5, FNV-1a("a") = 0xe40c292c, FNV-1a("foobar") = 0xbf9cf968
    assert.equal(shardOf('', 2 ** 16), 0x811c9dc5 % 2 ** 16);
    assert.equal(shardOf('a', 1000), 0xe40c292c % 1000);
    assert.equal(shardOf('foobar', 997), 0xbf9cf968 % 997);
  });

  it('hashes UTF-8 bytes, not UTF-16 code units', () => {
    assert.notEqual(shardOf('é', 65536), shardOf('\u00e9'.normalize('NFD'), 65536));
    assert.equal(shardOf('日本', 64), shardOf('日本', 64));
  });

  it('spreads keys evenly over the shards', () => {
    const counts = new Array(64).fill(0);
    for (let i = 0; i < 64000; i++) counts[shardOf(`user-${i}`, 64)]++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `shard count ${c} is far from 1000`);
  });
});
