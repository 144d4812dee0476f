import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, medianOfKnown, ratio } from '../../src/bench/stats.js';

test('median of an odd count is the middle value, whatever the order', () => {
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([7]), 7);
});

test('median of an even count is the mean of the two middle values', () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('median does not reorder its input', () => {
  const values = [3, 1, 2];
  median(values);
  assert.deepEqual(values, [3, 1, 2]);
});

test('median of nothing is an error', () => {
  assert.throws(() => median([]), RangeError);
});

test('medianOfKnown skips unknown rounds and is null when all are unknown', () => {
  assert.equal(medianOfKnown([null, 10, 30]), 20);
  assert.equal(medianOfKnown([null, null]), null);
});

test('ratio divides by the baseline, and is null without a meaningful baseline', () => {
  assert.equal(ratio(50, 100), 0.5);
  assert.equal(ratio(100, 100), 1);
  assert.equal(ratio(0, 0), null);
  assert.equal(ratio(5, 0), null);
  assert.equal(ratio(null, 3), null);
  assert.equal(ratio(3, null), null);
});
