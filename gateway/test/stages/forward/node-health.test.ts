import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeHealth } from '../../../src/stages/forward/node-health.js';
import { RetryBudget } from '../../../src/stages/forward/retry-budget.js';

const policy = { retryBudgetRatio: 0.2, ejectAfterFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 3000 };

describe('outlier ejection', () => {
  it('reports each ejection and shows per-node state for status', () => {
    let now = 0;
    const told: Array<[string, number]> = [];
    const health = new NodeHealth(policy, 5, () => now, (node, backoffMs) => told.push([node, backoffMs]));
    for (let i = 0; i < 3; i++) health.failure('a');
    health.failure('b');
    assert.deepEqual(told, [['a', 1000]]);
    now = 400;
    assert.deepEqual(health.status(), [
      { node: 'a', ejected: true, ejectedForMs: 600, consecutiveFailures: 0, ejections: 1 },
      { node: 'b', ejected: false, ejectedForMs: 0, consecutiveFailures: 1, ejections: 0 },
    ]);
    now = 1000;
    for (let i = 0; i < 3; i++) health.failure('a');
    assert.deepEqual(told, [['a', 1000], ['a', 2000]], 'the backoff doubles');
    assert.equal(health.status()[0]?.ejections, 2);
  });

  it('ejects after consecutive failures with a growing, capped backoff', () => {
    let now = 0;
    const health = new NodeHealth(policy, 5, () => now);
    const fail = (n: number) => {
      for (let i = 0; i < n; i++) health.failure('a');
    };
    fail(2);
    health.success('a');
    fail(2);
    assert.equal(health.isEjected('a'), false, 'a success resets the count');
    fail(1);
    assert.equal(health.isEjected('a'), true);
    now = 999;
    assert.equal(health.isEjected('a'), true);
    now = 1000;
    assert.equal(health.isEjected('a'), false);
    fail(3);
    now += 1999;
    assert.equal(health.isEjected('a'), true, 'second ejection lasts 2 s');
    now += 1;
    fail(3);
    now += 2999;
    assert.equal(health.isEjected('a'), true, 'third would be 4 s, capped at 3 s');
    now += 1;
    assert.equal(health.isEjected('a'), false);
  });

  it('never ejects every node', () => {
    const health = new NodeHealth(policy, 2, () => 0);
    for (let i = 0; i < 3; i++) health.failure('a');
    for (let i = 0; i < 10; i++) health.failure('b');
    assert.deepEqual(health.ejected(), ['a']);
  });
});

describe('retry budget', () => {
  it('allows retries up to the ratio of requests plus the reserve', () => {
    const budget = new RetryBudget(0.2, 2);
    let retries = 0;
    for (let i = 0; i < 100; i++) {
      budget.deposit();
      if (budget.tryWithdraw()) retries++;
    }
    assert.ok(retries <= 22 && retries >= 20, `retries ${retries}`);
  });
});
