import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { comparePositions, formatPosition, parsePosition } from '../src/index.js';

describe('log positions', () => {
  it('round-trips through text', () => {
    assert.deepEqual(parsePosition(formatPosition({ epoch: 3, lsn: 1200 })), { epoch: 3, lsn: 1200 });
  });

  it('refuses malformed text', () => {
    for (const bad of ['', '3', '3:', ':4', '-1:2', '1:2:3', 'a:b', '1.5:2']) assert.equal(parsePosition(bad), undefined, bad);
  });

  it('orders by epoch, then LSN', () => {
    assert.ok(comparePositions({ epoch: 2, lsn: 1 }, { epoch: 1, lsn: 999 }) > 0);
    assert.ok(comparePositions({ epoch: 2, lsn: 5 }, { epoch: 2, lsn: 6 }) < 0);
    assert.equal(comparePositions({ epoch: 2, lsn: 5 }, { epoch: 2, lsn: 5 }), 0);
  });
});
