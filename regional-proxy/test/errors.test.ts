import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProxyErrors } from '../src/errors.js';

describe('ProxyErrors catalogue', () => {
  it('uses the regional proxy prefix, an error status and a title for every code', () => {
    for (const [code, spec] of Object.entries(ProxyErrors.catalogue)) {
      assert.match(code, /^SETGATE_RP_[A-Z_]+$/);
      assert.ok(spec.status >= 400 && spec.status < 600, code);
      assert.ok(spec.title.length > 0, code);
    }
  });

  it('keeps the cause for logs and out of the problem document', () => {
    const cause = new Error('connect ECONNREFUSED');
    const err = ProxyErrors.create('SETGATE_RP_GATEWAYS_UNAVAILABLE', { cause, headers: { 'retry-after': '1' } });
    assert.equal(err.cause, cause);
    assert.equal(err.status, 503);
    assert.equal(JSON.stringify(err.toProblem('req-1')).includes('ECONNREFUSED'), false);
  });
});
