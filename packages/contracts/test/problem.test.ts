import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommonErrors, etagOf, isInternalHeader, SetgateError, versionFromEtag } from '../src/index.js';

describe('error catalogue', () => {
  it('builds problems with code, status, type and instance, never the cause', () => {
    const cause = new Error('secret internals');
    const e = CommonErrors.create('SETGATE_BODY_TOO_LARGE', { detail: 'too big', cause, headers: { 'retry-after': '1' } });
    assert.ok(e instanceof SetgateError);
    assert.equal(e.status, 413);
    const p = e.toProblem('req-1');
    assert.deepEqual(p, {
      type: 'urn:setgate:error:SETGATE_BODY_TOO_LARGE',
      title: 'Request body too large',
      status: 413,
      code: 'SETGATE_BODY_TOO_LARGE',
      detail: 'too big',
      instance: 'req-1',
    });
    assert.ok(!JSON.stringify(p).includes('secret internals'));
    assert.equal(e.headers['retry-after'], '1');
  });

  it('builds a refusal without capturing a stack, and leaves stack capture as it was', () => {
    const limit = Error.stackTraceLimit;
    const refusal = CommonErrors.create('SETGATE_CLIENT_BUSY');
    assert.equal(refusal.refusal, true);
    assert.equal(refusal.stack?.includes('\n    at '), false, 'no frames');
    assert.equal(Error.stackTraceLimit, limit);
    const failure = CommonErrors.create('SETGATE_INTERNAL');
    assert.equal(failure.refusal, false);
    assert.equal(failure.stack?.includes('\n    at '), true, 'a failure keeps its frames');
  });

  it('gives every common code a 4xx or 5xx status and a title', () => {
    for (const [code, spec] of Object.entries(CommonErrors.catalogue)) {
      assert.match(code, /^SETGATE_[A-Z_]+$/);
      assert.ok(spec.status >= 400 && spec.status < 600, code);
      assert.ok(spec.title.length > 0, code);
    }
  });
});

describe('headers and etags', () => {
  it('treats every x-setgate- header as internal, case-insensitively', () => {
    assert.ok(isInternalHeader('X-SetGate-Shard'));
    assert.ok(!isInternalHeader('setgate-session'));
    assert.ok(!isInternalHeader('authorization'));
  });

  it('round-trips versions through etags and rejects malformed ones', () => {
    assert.equal(versionFromEtag(etagOf(7)), 7);
    assert.equal(versionFromEtag('W/"3"'), 3);
    assert.equal(versionFromEtag('"x"'), undefined);
    assert.equal(versionFromEtag(undefined), undefined);
  });
});
