import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPool, failureKind, neverSent } from '../src/index.js';

describe('upstream failure classification', () => {
  it('classifies the codes a hop decides on, on the error or its cause', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    assert.equal(failureKind(err('ECONNREFUSED')), 'connection');
    assert.equal(failureKind(err('UND_ERR_SOCKET')), 'connection');
    assert.equal(failureKind(new Error('wrapped', { cause: err('ECONNRESET') })), 'connection');
    assert.equal(failureKind(err('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
    assert.equal(failureKind(err('UND_ERR_BODY_TIMEOUT')), 'timeout');
    assert.equal(failureKind(err('ERR_INVALID_ARG_TYPE')), 'other');
    assert.equal(failureKind(new Error('no code')), 'other');
    assert.equal(failureKind(null), 'other');
    assert.ok(neverSent(err('ECONNREFUSED')));
    assert.ok(!neverSent(err('ECONNRESET')), 'a reset request may have been acted on');
  });

  it('sees a real refused connection as a connection failure that was never sent', async () => {
    const pool = createPool('http://127.0.0.1:1', { connectTimeoutMs: 500 });
    try {
      await assert.rejects(pool.request({ path: '/', method: 'GET' }), (e: unknown) => {
        assert.equal(failureKind(e), 'connection');
        assert.ok(neverSent(e));
        return true;
      });
    } finally {
      await pool.close();
    }
  });
});
