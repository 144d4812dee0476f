import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHARD_KEY_MAX_CHARS, SHARD_KEY_PATTERN, shardKeyFault } from '../src/index.js';

describe('the shard-key rule', () => {
  it('accepts 1..255 visible latin1 characters: ids, emails, issuer-prefixed subjects, URLs, accented names', () => {
    for (const key of ['u', 'user-42', 'ada@example.org', 'auth0|5f1c', 'https://id.example/u/1', '~!#$%&*', 'user/ünï', '¡ÿ', 'k'.repeat(SHARD_KEY_MAX_CHARS)]) {
      assert.equal(shardKeyFault(key), undefined, key);
    }
  });

  it('refuses what a header or another hop cannot carry the same way, naming why', () => {
    assert.match(shardKeyFault('') ?? '', /empty/);
    assert.match(shardKeyFault('k'.repeat(SHARD_KEY_MAX_CHARS + 1)) ?? '', /256 characters long \(at most 255\)/);
    const bad = [['a b', 1], ['a\u0001', 1], ['\r\nx', 0], ['tab\t', 3], ['\u03a9', 0], ['emoji\u{1f600}', 5], ['del\x7f', 3], ['c1\u0085', 2], ['nbsp\u00a0', 4]] as const;
    for (const [key, at] of bad) {
      assert.equal(shardKeyFault(key), `has a space, control or non-latin1 character at position ${at}`, JSON.stringify(key));
    }
  });

  it('is the same rule as the schema pattern the node validates its path keys with', () => {
    const pattern = new RegExp(SHARD_KEY_PATTERN);
    for (const key of ['', 'ok', 'a b', 'caf\u00e9', '\u03a9', '\u0085', '\u00a0', '\u0000', 'k'.repeat(255), 'k'.repeat(256), '~', '\x7f']) {
      assert.equal(pattern.test(key), shardKeyFault(key) === undefined, JSON.stringify(key));
    }
  });
});
