import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarize } from '../../src/bench/summary.js';
import { sample } from './fixtures.js';

const configs = [
  { name: 'direct', description: 'd' },
  { name: 'full-path', description: 'f' },
];
const measured = {
  direct: [{ name: 'node', pid: 1 }],
  'full-path': [
    { name: 'proxy', pid: 2 },
    { name: 'node', pid: 1 },
  ],
};

test('takes medians over rounds, sums errors, and divides by the baseline', () => {
  const samples = new Map([
    ['direct', [sample({ reqPerSec: 1000, cpuUsPerRequest: 100 }), sample({ reqPerSec: 3000, cpuUsPerRequest: 90 }), sample({ reqPerSec: 2000, cpuUsPerRequest: 110 })]],
    [
      'full-path',
      [
        sample({ reqPerSec: 500, p50Ms: 4, cpuUsPerRequest: 300, errors: 1, non2xx: 2, processes: [
          { name: 'proxy', pid: 2, cpuUs: 1, cpuUsPerRequest: 200 },
          { name: 'node', pid: 1, cpuUs: 1, cpuUsPerRequest: 100 },
        ] }),
        sample({ reqPerSec: 700, p50Ms: 6, cpuUsPerRequest: 260, errors: 2, processes: [
          { name: 'proxy', pid: 2, cpuUs: 1, cpuUsPerRequest: 180 },
          { name: 'node', pid: 1, cpuUs: 1, cpuUsPerRequest: 80 },
        ] }),
      ],
    ],
  ]);
  const [direct, full] = summarize(configs, 'direct', measured, samples);
  assert.ok(direct && full);
  assert.equal(direct.baseline, true);
  assert.equal(full.baseline, false);
  assert.equal(direct.figures.reqPerSec, 2000);
  assert.equal(direct.figures.cpuUsPerRequest, 100);
  assert.equal(direct.ratios.reqPerSec, 1);
  assert.equal(full.figures.reqPerSec, 600);
  assert.equal(full.ratios.reqPerSec, 0.3);
  assert.equal(full.figures.p50Ms, 5);
  assert.equal(full.ratios.p50Ms, 2.5);
  assert.equal(full.ratios.cpuUsPerRequest, 2.8);
  assert.equal(full.figures.errors, 3);
  assert.equal(full.figures.non2xx, 2);
  assert.equal(full.ratios.errors, null, 'no ratio against a baseline of 0 errors');
  assert.deepEqual(
    full.processes.map((p) => [p.name, p.cpuUsPerRequest]),
    [
      ['proxy', 190],
      ['node', 90],
    ],
  );
  assert.equal(full.rounds.length, 2);
});

test('a configuration without rounds is an error, not a row of zeros', () => {
  assert.throws(() => summarize(configs, 'direct', measured, new Map([['direct', [sample()]]])), /full-path has no completed round/);
});

test('a latency row is priced over its pair: p50 added, and what it adds beyond the prediction', () => {
  const rows = [
    { name: 'write', description: 'w' },
    { name: 'write-wan', description: 'w, WAN on' },
  ];
  const samples = new Map([
    ['write', [sample({ p50Ms: 3 }), sample({ p50Ms: 4 }), sample({ p50Ms: 2 })]],
    ['write-wan', [sample({ p50Ms: 80 }), sample({ p50Ms: 84 }), sample({ p50Ms: 82 })]],
  ]);
  const expectations = { 'write-wan': { over: 'write', addsMs: 75, why: 'RTT' } };
  const [plain, wan] = summarize(rows, 'write', {}, samples, { expectations, connections: { write: 1, 'write-wan': 1 } });
  assert.equal(plain?.latency, undefined);
  assert.equal(plain?.connections, 1);
  assert.deepEqual(wan?.latency, { over: 'write', addsMs: 75, why: 'RTT', addedMs: 79, beyondMs: 4 });
});

test('a latency row priced over a row that did not run is an error', () => {
  const samples = new Map([['write-wan', [sample()]]]);
  assert.throws(
    () => summarize([{ name: 'write-wan', description: '' }], 'write-wan', {}, samples, { expectations: { 'write-wan': { over: 'write', addsMs: 75, why: '' } } }),
    /priced over write, which did not run/,
  );
});
