import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileUpstreamPath, pathParams } from '../../src/index.js';

describe('compileUpstreamPath', () => {
  it('substitutes the key and params', () => {
    const path = compileUpstreamPath('/cmd/cart/{key}/items/:itemId', new Set(['itemId']));
    assert.equal(path('user-7', { itemId: 'sku-1' }), '/cmd/cart/user-7/items/sku-1');
  });

  it('percent-encodes values so they cannot add path segments', () => {
    const path = compileUpstreamPath('/cmd/profile/{key}', new Set());
    assert.equal(path('a/../b c', {}), '/cmd/profile/a%2F..%2Fb%20c');
  });

  it('keeps a template without placeholders as is', () => {
    assert.equal(compileUpstreamPath('/cmd/ping', new Set())('k', {}), '/cmd/ping');
  });

  it('refuses a param the public path does not capture', () => {
    assert.throws(() => compileUpstreamPath('/cmd/{key}/:other', new Set(['itemId'])), /:other/);
  });

  it('lists the params of a public path', () => {
    assert.deepEqual([...pathParams('/v1/:a/x/:b')], ['a', 'b']);
  });
});
