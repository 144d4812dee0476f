import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { MAX_WORKERS, workerCount, workerShare } from '../src/workers.js';

test('SETGATE_WORKERS: unset is one process, auto one per core, a bad value is refused by name', () => {
  assert.equal(workerCount({}), 1);
  assert.equal(workerCount({ SETGATE_WORKERS: ' ' }), 1);
  assert.equal(workerCount({ SETGATE_WORKERS: 'auto' }), Math.min(MAX_WORKERS, availableParallelism()));
  assert.equal(workerCount({ SETGATE_WORKERS: '3' }), 3);
  for (const bad of ['0', '-1', '1.5', 'two', String(MAX_WORKERS + 1)]) {
    assert.throws(() => workerCount({ SETGATE_WORKERS: bad }), /SETGATE_WORKERS must be "auto" or a whole number from 1 to 64/);
  }
});

test('a budget is shared among workers so the process keeps it, never below one each', () => {
  assert.equal(workerShare(256, 1), 256);
  assert.equal(workerShare(256, 2), 128);
  assert.equal(workerShare(64, 3), 22);
  assert.equal(workerShare(1, 4), 1);
  assert.equal(workerShare(10, 0), 10);
});
