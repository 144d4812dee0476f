import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SESSION_SHARDS, mergePosition, SessionTokens } from '../../../src/stages/routing/session-token.js';

const tokens = new SessionTokens('a-session-secret-of-at-least-32-chars');

describe('session tokens', () => {
  it('round-trips per-shard positions', () => {
    const positions = new Map([
      [3, { epoch: 2, lsn: 40 }],
      [9, { epoch: 1, lsn: 7 }],
    ]);
    assert.deepEqual(tokens.parse(tokens.issue(positions)), positions);
  });

  it('refuses a token with a changed payload, another key, another version or junk', () => {
    const token = tokens.issue(new Map([[1, { epoch: 1, lsn: 5 }]]));
    const [, , mac] = token.split('.');
    assert.equal(tokens.parse(`v1.${Buffer.from('1:1:999').toString('base64url')}.${mac}`), undefined);
    assert.equal(new SessionTokens('another-secret-of-at-least-32-characters').parse(token), undefined);
    assert.equal(tokens.parse(token.replace(/^v1/, 'v2')), undefined);
    assert.equal(tokens.parse('not-a-token'), undefined);
    assert.equal(tokens.parse(`${token}.extra`), undefined);
    assert.equal(tokens.parse('x'.repeat(5000)), undefined);
  });

  it('merges a write keeping the later position of a shard', () => {
    const start = new Map([[1, { epoch: 2, lsn: 10 }]]);
    assert.deepEqual(mergePosition(start, 1, { epoch: 2, lsn: 12 }).get(1), { epoch: 2, lsn: 12 });
    assert.deepEqual(mergePosition(start, 1, { epoch: 1, lsn: 99 }).get(1), { epoch: 2, lsn: 10 });
    assert.deepEqual(mergePosition(start, 1, { epoch: 3, lsn: 0 }).get(1), { epoch: 3, lsn: 0 });
    assert.equal(mergePosition(start, 4, { epoch: 1, lsn: 1 }).size, 2);
  });

  it('stays bounded: past the limit the shard written longest ago is dropped', () => {
    let positions = new Map<number, { epoch: number; lsn: number }>();
    for (let shard = 0; shard < MAX_SESSION_SHARDS + 5; shard++) positions = mergePosition(positions, shard, { epoch: 1, lsn: shard });
    const parsed = tokens.parse(tokens.issue(positions));
    assert.equal(parsed?.size, MAX_SESSION_SHARDS);
    assert.equal(parsed?.has(0), false);
    assert.equal(parsed?.has(MAX_SESSION_SHARDS + 4), true);
  });
});
