import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchUsageError, DEFAULT_OPTIONS, parseBenchArgs } from '../../src/bench/options.js';

test('a bare name runs with the defaults', () => {
  assert.deepEqual(parseBenchArgs(['path']), { kind: 'run', options: { name: 'path', ...DEFAULT_OPTIONS } });
});

test('every option is read', () => {
  const parsed = parseBenchArgs(['path', '--duration', '3', '--connections', '8', '--rounds', '2', '--warmup', '0', '--json', 'out.json']);
  assert.deepEqual(parsed, {
    kind: 'run',
    options: { name: 'path', durationSec: 3, connections: 8, rounds: 2, warmupSec: 0, jsonPath: 'out.json' },
  });
  assert.deepEqual(parseBenchArgs(['path', '--duration=0.5']).kind, 'run');
  assert.deepEqual(parseBenchArgs(['gateway', '--rate', '1500', '--workers', '2']), {
    kind: 'run',
    options: { name: 'gateway', ...DEFAULT_OPTIONS, rate: 1500, workers: 2 },
  });
  assert.deepEqual(parseBenchArgs(['gateway', '--only', 'gateway, gateway-no-observability']), {
    kind: 'run',
    options: { name: 'gateway', ...DEFAULT_OPTIONS, only: ['gateway', 'gateway-no-observability'] },
  });
});

test('hop-check reads --rounds as its pairs of batches, 200 unless given', () => {
  const parsed = parseBenchArgs(['hop-check']);
  assert.equal(parsed.kind === 'run' && parsed.options.rounds, 200);
  const given = parseBenchArgs(['hop-check', '--rounds', '50', '--json', 'out.json']);
  assert.deepEqual(given.kind === 'run' && [given.options.rounds, given.options.jsonPath], [50, 'out.json']);
});

test('observability reads --rounds as its pairs of batches, 200 unless given', () => {
  const parsed = parseBenchArgs(['observability']);
  assert.equal(parsed.kind === 'run' && parsed.options.rounds, 200);
  const given = parseBenchArgs(['observability', '--rounds', '40']);
  assert.equal(given.kind === 'run' && given.options.rounds, 40);
});

test('--help wins over everything else', () => {
  assert.deepEqual(parseBenchArgs(['--help']), { kind: 'help' });
  assert.deepEqual(parseBenchArgs(['path', '-h']), { kind: 'help' });
});

const bad: Array<[string[], RegExp]> = [
  [[], /missing the benchmark name/],
  [['a', 'b'], /expected one benchmark name, got a b/],
  [['path', '--duration', '0'], /--duration must be a number above 0, got "0"/],
  [['path', '--duration', 'five'], /--duration must be a number above 0, got "five"/],
  [['path', '--connections', '2.5'], /--connections must be a whole number of 1 or more/],
  [['path', '--rounds=-1'], /--rounds must be a whole number of 1 or more/],
  [['path', '--rounds', '-1'], /--rounds' argument is ambiguous/],
  [['path', '--warmup=-1'], /--warmup must be a number of 0 or more/],
  [['path', '--json', ''], /--json needs a file name/],
  [['path', '--rate', '0'], /--rate must be a whole number of 1 or more, got "0"/],
  [['path', '--only', 'a,,b'], /--only needs row names separated by commas, got "a,,b"/],
  [['idle', '--only', 'a'], /idle sends no traffic: --only does not apply/],
  [['hop-check', '--duration', '2', '--wan'], /hop-check runs without a stack or the load runner: --duration, --wan does not apply/],
  [['observability', '--only', 'gateway'], /observability runs without a stack or the load runner: --only does not apply/],
  [['path', '--frobnicate'], /frobnicate/],
  [['path', '--duration'], /duration/],
];

for (const [argv, message] of bad) {
  test(`refuses ${JSON.stringify(argv)} with a clear message`, () => {
    assert.throws(() => parseBenchArgs(argv), (err: unknown) => err instanceof BenchUsageError && message.test(err.message));
  });
}
