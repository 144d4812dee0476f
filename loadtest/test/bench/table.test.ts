import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goal } from '../../src/bench/benchmark.js';
import type { BenchResult } from '../../src/bench/runner.js';
import { summarize } from '../../src/bench/summary.js';
import { formatFigure, formatRatio, formatResultTable, renderColumns } from '../../src/bench/table.js';
import { sample } from './fixtures.js';

test('columns are aligned: text left, numbers right', () => {
  const out = renderColumns(
    ['name', 'n'],
    [
      ['a', '1'],
      ['longer', '100'],
    ],
    ['left', 'right'],
  );
  assert.equal(out, 'name      n\na         1\nlonger  100');
});

test('figures and ratios print fixed decimals, and unknowns as "-"', () => {
  assert.equal(formatFigure(12.345, 1), '12.3');
  assert.equal(formatFigure(null, 1), '-');
  assert.equal(formatRatio(0.5), '0.50×');
  assert.equal(formatRatio(null), '-');
});

test('the result table has a row per configuration with ratios and a per-process breakdown', () => {
  const configurations = summarize(
    [
      { name: 'direct', description: '' },
      { name: 'full-path', description: '' },
    ],
    'direct',
    { direct: [{ name: 'node', pid: 11 }], 'full-path': [{ name: 'node', pid: 11 }] },
    new Map([
      ['direct', [sample({ reqPerSec: 2000, cpuUsPerRequest: 100 })]],
      ['full-path', [sample({ reqPerSec: 500, cpuUsPerRequest: 400, non2xx: 7 })]],
    ]),
  );
  const result: BenchResult = {
    benchmark: 'demo',
    description: 'two ways',
    baseline: 'direct',
    options: { durationSec: 1, connections: 4, rounds: 1, warmupSec: 0 },
    clockTicksPerSecond: 100,
    configurations,
    details: {},
    goals: [],
  };
  const lines = formatResultTable(result).split('\n');
  assert.match(lines[0] ?? '', /^demo: two ways$/);
  const header = lines.find((l) => l.startsWith('configuration') && l.includes('req/s')) ?? '';
  assert.match(header, /req\/s\s+× base\s+p50 ms\s+× base\s+p99 ms\s+× base\s+CPU µs\/req\s+× base\s+errors\s+non-2xx/);
  const direct = lines.find((l) => l.startsWith('direct (baseline)')) ?? '';
  assert.match(direct, /2000\s+1\.00×.*100\.0\s+1\.00×\s+0\s+0$/);
  const full = lines.find((l) => l.startsWith('full-path')) ?? '';
  assert.match(full, /500\s+0\.25×.*400\.0\s+4\.00×\s+0\s+7$/);
  assert.ok(lines.some((l) => /node \(pid 11\)\s+100\.0$/.test(l)));
  // The last column is right-aligned, so aligned rows end exactly where the header does.
  assert.equal(direct.length, header.length);
  assert.equal(full.length, header.length);
});

test('latency rows get their own section: p50 added over their pair against the prediction, and their connection count', () => {
  const configurations = summarize(
    [
      { name: 'write', description: '' },
      { name: 'write-wan', description: '' },
    ],
    'write',
    {},
    new Map([
      ['write', [sample({ p50Ms: 3 })]],
      ['write-wan', [sample({ p50Ms: 81 })]],
    ]),
    { expectations: { 'write-wan': { over: 'write', addsMs: 75, why: 'RTT a ↔ b' } }, connections: { write: 1, 'write-wan': 1 } },
  );
  const result: BenchResult = {
    benchmark: 'wan',
    description: 'priced',
    baseline: 'write',
    options: { durationSec: 1, connections: 32, rounds: 1, warmupSec: 0 },
    clockTicksPerSecond: 100,
    configurations,
    details: {},
    goals: [],
  };
  const out = formatResultTable(result);
  assert.match(out, /own connection count: write 1, write-wan 1/);
  assert.match(out, /Latency added/);
  assert.match(out, /write-wan\s+81\.0\s+write\s+\+78\.0\s+75\.0 \(RTT a ↔ b\)\s+\+3\.0/);
  assert.doesNotMatch(out, /^write\s+3\.0\s+write/m, 'a row without an expectation is not in the latency section');
});

test('a table without latency rows has no latency section', () => {
  const configurations = summarize([{ name: 'direct', description: '' }], 'direct', {}, new Map([['direct', [sample()]]]));
  const out = formatResultTable({
    benchmark: 'demo',
    description: '',
    baseline: 'direct',
    options: { durationSec: 1, connections: 4, rounds: 1, warmupSec: 0 },
    clockTicksPerSecond: 100,
    configurations,
    details: {},
    goals: [],
  });
  assert.doesNotMatch(out, /Latency added|own connection count/);
});

test('goals are listed under the table with the measured ratio, the bound and whether the run met it', () => {
  const configurations = summarize([{ name: 'served', description: '' }], 'served', {}, new Map([['served', [sample()]]]));
  const out = formatResultTable({
    benchmark: 'overload',
    description: '',
    baseline: 'served',
    options: { durationSec: 1, connections: 4, rounds: 1, warmupSec: 0 },
    clockTicksPerSecond: 100,
    configurations,
    details: {},
    goals: [goal('shed CPU µs/req ÷ served', 0.12, 'at-most', 0.15), goal('goodput ÷ peak', 0.5, 'at-least', 0.9), goal('nothing', null, 'at-most', 1), goal('hop auth', 4.25, 'at-most', 5, 'us')],
  });
  assert.match(out, /Goals/);
  assert.match(out, /shed CPU µs\/req ÷ served\s+0\.12×\s+≤ 0\.15×\s+met/);
  assert.match(out, /goodput ÷ peak\s+0\.50×\s+≥ 0\.9×\s+NOT met/);
  assert.match(out, /nothing\s+-\s+≤ 1×\s+NOT met/, 'an unknown value never meets a goal');
  assert.match(out, /hop auth\s+4\.3 µs\s+≤ 5\.0 µs\s+met/, 'a goal in µs reads in µs');
});
