import assert from 'node:assert/strict';
import { test } from 'node:test';
import { median, medianOfKnown, pairedMedian, ratio } from '../../src/bench/stats.js';

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

test('pairedMedian compares round i of one row with round i of the other, skipping rounds either does not know', () => {
  // Drift moves both rows alike: the ratio of the two medians (150/130) hides the steady 10% that every pair shows.
  const a = [110, 220, 150, null, 132];
  const b = [100, 200, 130, 90, 120];
  assert.equal(pairedMedian(a, b, (x, y) => x / y)?.toFixed(3), '1.100');
  assert.equal(pairedMedian(a, b, (x, y) => x - y), 16);
  assert.equal(pairedMedian([null], [1], (x, y) => x - y), null);
  assert.equal(pairedMedian([1, 2], [1], (x, y) => x - y), 0, 'only the rounds both rows ran');
});
