import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coupledBatchFigures, meanCi95, median, medianOfKnown, pairedMedian, ratio } from '../../src/bench/stats.js';

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

test('meanCi95 is the t-interval of the mean: wider for few values, refused for one', () => {
  // mean 2, sd 1, n 3: 2 ± 4.303 / √3
  const [lo, hi] = meanCi95([1, 2, 3]);
  assert.equal(lo.toFixed(3), (2 - 4.303 / Math.sqrt(3)).toFixed(3));
  assert.equal(hi.toFixed(3), (2 + 4.303 / Math.sqrt(3)).toFixed(3));
  assert.deepEqual(meanCi95([5, 5, 5, 5]), [5, 5]);
  assert.throws(() => meanCi95([1]), RangeError);
});

test('coupledBatchFigures takes the couple as the unit: the mean of couples\' medians, an interval over couples', () => {
  // Couple 1: A is 10 above B in every pair; couple 2: 30 above. Pooled pairs would give a tight
  // interval around the pooled median; over couples the interval spans both.
  const couples = [
    { a: [110, 120, 130], b: [100, 110, 120] },
    { a: [130, 140, 150], b: [100, 110, 120] },
  ];
  const f = coupledBatchFigures(couples);
  assert.deepEqual(f.coupleDifferencesUs, [10, 30]);
  assert.equal(f.differenceUs, 20);
  assert.ok(f.differenceCi95Us[0] < 10 && f.differenceCi95Us[1] > 30, JSON.stringify(f.differenceCi95Us));
  assert.equal(f.pairs, 6);
  assert.equal(f.aUs, 130);
  assert.equal(f.bUs, 110);
});
