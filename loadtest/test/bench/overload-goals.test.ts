import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigurationSummaryLike } from '../../src/bench/benchmark.js';
import { OVERLOAD_FACTOR, overloadBenchmark } from '../../src/bench/benchmarks/overload.js';

function row(name: string, f: Partial<ConfigurationSummaryLike['figures']>): ConfigurationSummaryLike {
  return { name, figures: { reqPerSec: 1000, okPerSec: 1000, p50Ms: 5, p99Ms: 20, cpuUsPerRequest: 100, errors: 0, non2xx: 0, ...f } };
}

test("overload goals: refusals' CPU against a served request, goodput and admitted p99 at 20× against the served row", () => {
  const goals = overloadBenchmark.goals?.([
    row('served', { okPerSec: 5000, p99Ms: 30, cpuUsPerRequest: 160 }),
    row('rate-limited', { okPerSec: 0, cpuUsPerRequest: 20 }),
    row('shed', { okPerSec: 0, cpuUsPerRequest: 40 }),
    row(`overload-${OVERLOAD_FACTOR}x`, { reqPerSec: 9000, okPerSec: 4600, p99Ms: 75, cpuUsPerRequest: 90 }),
  ]);
  assert.ok(goals);
  const by = Object.fromEntries(goals.map((g) => [g.name.split(':')[0]?.split(' ')[0], g]));
  assert.equal(by.shed?.value, 0.25);
  assert.equal(by.shed?.met, false, '0.25 > 0.15');
  assert.equal(by['rate-limited']?.value, 0.125);
  assert.equal(by['rate-limited']?.met, true);
  assert.equal(by.goodput?.value, 0.92, 'goodput counts 2xx answers only, not every answer');
  assert.equal(by.goodput?.met, true);
  assert.equal(by.admitted?.value, 2.5);
  assert.equal(by.admitted?.met, false);
});

test('overload goals are not met when a row is missing', () => {
  const goals = overloadBenchmark.goals?.([row('served', {})]) ?? [];
  assert.equal(goals.length, 4);
  for (const g of goals) assert.equal(g.met, false, g.name);
});
