import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken } from '../../../src/stages/auth/bearer.js';

describe('bearerToken', () => {
  it('reads the token of a Bearer header in any letter case', () => {
    assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('BEARER  abc '), 'abc');
  });

  it('returns undefined for anything else', () => {
    for (const h of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'Bearerabc']) {
      assert.equal(bearerToken(h), undefined, String(h));
    }
  });
});
