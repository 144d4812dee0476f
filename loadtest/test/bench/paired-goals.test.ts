import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigurationSummaryLike } from '../../src/bench/benchmark.js';
import { gatewayBenchmark } from '../../src/bench/benchmarks/gateway.js';
import { pathBenchmark } from '../../src/bench/benchmarks/path.js';
import type { MeasuredSample } from '../../src/bench/measure.js';
import { pairedCpuDifference, pairedCpuRatio } from '../../src/bench/paired.js';

/** A row whose rounds charged these CPU µs/req, all to one process named `process`. */
function row(name: string, cpu: readonly (number | null)[], process = 'gateway'): ConfigurationSummaryLike {
  const rounds = cpu.map(
    (c): MeasuredSample => ({
      requests: 1000,
      durationSec: 1,
      reqPerSec: 1000,
      okPerSec: 1000,
      statuses: { 200: 1000 },
      p50Ms: 1,
      p99Ms: 2,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      cpuUsPerRequest: c,
      processes: [{ name: process, pid: 1, cpuUs: (c ?? 0) * 1000, cpuUsPerRequest: c }],
    }),
  );
  return { name, figures: { reqPerSec: 1000, okPerSec: 1000, p50Ms: 1, p99Ms: 2, cpuUsPerRequest: null, errors: 0, non2xx: 0 }, rounds };
}

test('paired CPU figures compare round by round, of the whole row or of one named process', () => {
  const rows = [row('on', [110, 220, 165]), row('off', [100, 200, 150]), row('bare', [50, 100, 75], 'bare')];
  assert.equal(pairedCpuRatio(rows, { row: 'on' }, { row: 'off' })?.toFixed(3), '1.100');
  assert.equal(pairedCpuDifference(rows, { row: 'on' }, { row: 'off' }), 15);
  assert.equal(pairedCpuRatio(rows, { row: 'on', process: 'gateway' }, { row: 'bare', process: 'bare' }), 2.2);
  assert.equal(pairedCpuRatio(rows, { row: 'on', process: 'no-such-process' }, { row: 'off' }), null);
  assert.equal(pairedCpuRatio(rows, { row: 'missing' }, { row: 'off' }), null);
});

test('gateway goals: observability (traced vs off) within 10% and hop auth within 5 µs, each from per-round pairs; absent rows give no goal', () => {
  const goals = gatewayBenchmark.goals?.([
    row('bare-forward', [100, 100, 100]),
    row('gateway', [150, 230, 160]),
    row('gateway-no-hop-auth', [146, 222, 170]),
    row('gateway-no-observability', [140, 200, 150]),
    row('gateway-traced', [150, 230, 160]),
  ]);
  assert.ok(goals);
  const [observability, hopAuth] = goals;
  assert.match(observability?.name ?? '', /^observability: gateway-traced ÷ gateway-no-observability/);
  assert.equal(observability?.value?.toFixed(3), '1.071', 'the pairs are 1.071, 1.15 and 1.067: the drifted round does not decide');
  assert.equal(observability?.met, true);
  assert.equal(hopAuth?.value, 4);
  assert.equal(hopAuth?.unit, 'us');
  assert.equal(hopAuth?.met, true);
  assert.deepEqual(gatewayBenchmark.goals?.([row('bare-forward', [1]), row('gateway', [1])]), []);
  assert.deepEqual(
    gatewayBenchmark.goals?.([row('gateway', [1]), row('gateway-no-observability', [1])]),
    [],
    'without the traced row, nothing prices metrics and tracing together',
  );
});

test('path goals: hop auth is the two hops’ difference halved, and the node’s own check; observability over the whole path', () => {
  const goals = pathBenchmark.goals?.([
    row('direct', [50, 52, 51], 'set-runtime'),
    row('direct-no-hop-auth', [47, 51, 49], 'set-runtime'),
    row('full-path', [400, 420, 410]),
    row('full-path-no-hop-auth', [380, 414, 396]),
    row('full-path-no-observability', [330, 360, 350]),
    row('full-path-traced', [400, 420, 410]),
  ]);
  assert.ok(goals);
  const by = Object.fromEntries(goals.map((g) => [g.name.split(':')[0], g]));
  assert.equal(by.observability?.value?.toFixed(3), '1.171');
  assert.equal(by.observability?.met, false);
  assert.equal(by['hop auth per hop']?.value, 7);
  assert.equal(by['hop auth per hop']?.met, false);
  assert.equal(by['hop auth at the node']?.value, 2);
  assert.equal(by['hop auth at the node']?.met, true);
});

test('the in-process hop checks the setup ran become goals judged by the top of their 95% interval', () => {
  const check = (name: 'gateway' | 'node', median: number, top: number) => ({
    check: name,
    withSecretUs: 80 + median,
    withoutSecretUs: 80,
    differenceUs: median,
    differenceCi95Us: [median - 1, top] as const,
    differenceP10Us: -10,
    differenceP90Us: 15,
    pairs: 200,
    perBatch: 500,
  });
  const details = { hopCheck: [check('gateway', 2.5, 4.2), check('node', 3.9, 5.6)] };
  const gateway = gatewayBenchmark.goals?.([row('bare-forward', [1])], details) ?? [];
  assert.deepEqual(
    gateway.map((g) => [g.value, g.unit, g.met]),
    [[4.2, 'us', true]],
  );
  assert.match(gateway[0]?.name ?? '', /the gateway's check of a proxy: median 2\.50 µs over 200 in-process pairs/);
  const path = pathBenchmark.goals?.([row('direct', [1])], details) ?? [];
  assert.deepEqual(
    path.map((g) => [g.value, g.met]),
    [
      [4.2, true],
      [5.6, false],
    ],
  );
  assert.deepEqual(pathBenchmark.goals?.([row('direct', [1])], {}), [], 'no probe, no goal');
});

test('the observability probe becomes a goal: the top of its interval over the off row\'s CPU per request', () => {
  const subject = (name: 'gateway' | 'path', median: number, top: number) => ({
    subject: name,
    onUs: 400 + median,
    offUs: 400,
    differenceUs: median,
    differenceCi95Us: [median - 5, top] as const,
    differenceP10Us: -60,
    differenceP90Us: 80,
    pairs: 120,
    perBatch: 300,
  });
  const details = { observability: [subject('gateway', 14, 25), subject('path', 28, 40)] };
  const gateway = gatewayBenchmark.goals?.([row('gateway-no-observability', [240, 260, 250])], details) ?? [];
  assert.deepEqual(
    gateway.map((g) => [g.value, g.met]),
    [[0.1, true]],
  );
  assert.match(gateway[0]?.name ?? '', /14\.0 µs\/req \(top of 95% interval 25\.0\) over 120 probe pairs ÷ gateway-no-observability 250 µs\/req/);
  const path = pathBenchmark.goals?.([row('full-path-no-observability', [380, 390, 400])], details) ?? [];
  assert.deepEqual(
    path.map((g) => [g.value?.toFixed(3), g.met]),
    [['0.103', false]],
  );
  const noRow = gatewayBenchmark.goals?.([row('bare-forward', [1])], details) ?? [];
  assert.deepEqual(
    noRow.map((g) => [g.value, g.met]),
    [[null, false]],
    'a probe without its off row to divide by is not met',
  );
});
