import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeKept, decodePath } from '../../src/routing/percent-decode.js';

/** What decodePath stands for: decodeURI with %25 kept encoded, null where it throws. */
function reference(path: string): string | null {
  try {
    return decodeURI(path.replaceAll('%25', '%2525'));
  } catch {
    return null;
  }
}

describe('percent-decoding of request paths', () => {
  it('decodes unreserved escapes and keeps reserved ones as written', () => {
    assert.equal(decodePath('/v1/sku%2042'), '/v1/sku 42');
    assert.equal(decodePath('/v1/c%61rt'), '/v1/cart');
    assert.equal(decodePath('/v1/a%2Fb/a%2fb'), '/v1/a%2Fb/a%2fb');
    assert.equal(decodePath('/v1/%3F%23%3B%40%25'), '/v1/%3F%23%3B%40%25');
    assert.equal(decodePath('/v1/%2541'), '/v1/%2541');
    assert.equal(decodePath('/v1/%C3%A9'), '/v1/é');
    assert.equal(decodePath('/v1/plain'), '/v1/plain');
  });

  it('refuses malformed escapes and invalid UTF-8', () => {
    for (const bad of ['/%', '/%4', '/%zz', '/%g1', '/a%2', '/%C3', '/%FF', '/%E2%82', '/%C3%28']) assert.equal(decodePath(bad), null, bad);
  });

  it('agrees with decodeURI on random paths (property-based)', () => {
    const piece = fc.oneof(
      fc.constantFrom('%', '%2', '%25', '%2F', '%2f', '%41', '%7e', '%20', '%00', '%C3%A9', '%C3', '%E2%82%AC', '%zz', '%3B', '%3b', '%40', '%23', '%3F', '%26', '%2B', '%2C', '%24', '%3D', '%3A', '%80', '%FF', '%2525', '/', 'é'),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (parts) => {
        const path = `/${parts.join('')}`;
        const decoded = decodePath(path);
        assert.equal(decoded, reference(path), path);
        if (decoded !== null) for (const segment of decoded.split('/')) assert.equal(decodeKept(segment), decodeURIComponent(segment), segment);
      }),
      { numRuns: 3000 },
    );
  });
});
