import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Benchmark } from '../../src/bench/benchmark.js';
import { BenchUsageError } from '../../src/bench/options.js';
import { buildReport } from '../../src/bench/report.js';
import { BenchAbortedError, roundOrder, runBenchmark } from '../../src/bench/runner.js';
import { formatResultTable } from '../../src/bench/table.js';

/**
 * A benchmark over an in-process node:http server: `ok` answers 200, `teapot`
 * answers 418, so the run exercises non-2xx counting too. The measured PID is
 * this process, which also runs autocannon: fine for checking the harness,
 * meaningless as a number.
 */
function inProcessBenchmark(state: { server?: Server; stopped: number }): Benchmark {
  return {
    name: 'in-process',
    description: 'node:http in the test process',
    configurations: [
      { name: 'ok', description: '200 with a small body' },
      { name: 'teapot', description: '418' },
    ],
    baseline: 'ok',
    async setup() {
      let preflightDone = false;
      const server = createServer((req, res) => {
        if (req.url === '/teapot' && preflightDone) {
          res.writeHead(418).end('short and stout');
          return;
        }
        if (req.url === '/teapot') preflightDone = true;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      state.server = server;
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const measured = [{ name: 'test-process', pid: process.pid }];
      return {
        targets: {
          ok: { request: { method: 'GET', url: `${base}/ok`, headers: { 'x-demo': '1' } }, measured },
          teapot: { request: { method: 'GET', url: `${base}/teapot` }, measured },
        },
        details: { base },
        async stop() {
          state.stopped += 1;
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    },
  };
}

const options = { name: 'in-process', durationSec: 1, connections: 4, rounds: 2, warmupSec: 0.2 };

test('a real run against an in-process server gives the full result shape and stops the server', async () => {
  const state: { server?: Server; stopped: number } = { stopped: 0 };
  const lines: string[] = [];
  const result = await runBenchmark(inProcessBenchmark(state), options, {
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
  });

  assert.equal(state.stopped, 1);
  assert.equal(state.server?.listening, false);
  assert.equal(result.benchmark, 'in-process');
  assert.equal(result.baseline, 'ok');
  assert.deepEqual(result.options, { durationSec: 1, connections: 4, rounds: 2, warmupSec: 0.2 });
  assert.ok(result.clockTicksPerSecond > 0);
  assert.deepEqual(result.details, { base: (result.details as { base: string }).base });
  assert.deepEqual(
    result.configurations.map((c) => [c.name, c.baseline, c.rounds.length]),
    [
      ['ok', true, 2],
      ['teapot', false, 2],
    ],
  );
  const [ok, teapot] = result.configurations;
  assert.ok(ok && teapot);
  for (const c of [ok, teapot]) {
    assert.ok(c.figures.reqPerSec > 0);
    assert.ok(c.figures.p99Ms >= c.figures.p50Ms);
    assert.equal(typeof c.figures.cpuUsPerRequest, 'number');
    assert.equal(c.figures.errors, 0);
    assert.deepEqual(
      c.processes.map((p) => [p.name, p.pid]),
      [['test-process', process.pid]],
    );
    for (const r of c.rounds) {
      assert.ok(r.requests > 0);
      assert.equal(r.processes.length, 1);
    }
  }
  assert.equal(ok.figures.non2xx, 0);
  assert.equal(teapot.figures.non2xx, teapot.rounds.reduce((s, r) => s + r.requests, 0), 'every counted teapot answer is non-2xx');
  assert.equal(ok.ratios.reqPerSec, 1);
  assert.equal(typeof teapot.ratios.reqPerSec, 'number');
  assert.equal(teapot.ratios.non2xx, null);

  // Interleaved, the second round in reverse order: neither row always runs right after the other.
  const order = lines.filter((l) => l.startsWith('round ')).map((l) => l.split(' ')[2]?.replace(':', ''));
  assert.deepEqual(order, ['ok', 'teapot', 'teapot', 'ok']);

  assert.match(formatResultTable(result), /ok \(baseline\)/);
  const report = buildReport(result);
  assert.ok(report.machine.cpus > 0);
  assert.equal(report.machine.node, process.version);
  assert.ok(report.machine.command.length > 0);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
});

test('rounds alternate the declared order and its reverse', () => {
  const rows = ['a', 'b', 'c'];
  assert.deepEqual([1, 2, 3, 4].map((r) => roundOrder(rows, r).join('')), ['abc', 'cba', 'abc', 'cba']);
  assert.deepEqual(rows, ['a', 'b', 'c'], 'the declared order is not changed');
});

test('a preflight failure stops what was started and names the configuration', async () => {
  const state: { server?: Server; stopped: number } = { stopped: 0 };
  const b = inProcessBenchmark(state);
  const broken: Benchmark = {
    ...b,
    async setup(ctx) {
      const s = await b.setup(ctx);
      const ok = s.targets.ok;
      assert.ok(ok);
      return { ...s, targets: { ...s.targets, ok: { ...ok, request: { ...ok.request, url: ok.request.url.replace('/ok', '/teapot') } } } };
    },
  };
  // The first /teapot request is the preflight of `ok`, which passes; `teapot`'s preflight then gets a 418.
  await assert.rejects(runBenchmark(broken, options, { signal: new AbortController().signal, log: () => {} }), /teapot preflight: GET .* answered 418/);
  assert.equal(state.stopped, 1);
  assert.equal(state.server?.listening, false);
});

test('Ctrl-C during load ends the run early and still stops everything', async () => {
  const state: { server?: Server; stopped: number } = { stopped: 0 };
  const controller = new AbortController();
  const started = Date.now();
  const run = runBenchmark(inProcessBenchmark(state), { ...options, durationSec: 30, warmupSec: 0 }, {
    signal: controller.signal,
    log: (l) => {
      if (l.startsWith('in-process: starting')) setTimeout(() => controller.abort(), 500);
    },
  });
  await assert.rejects(run, BenchAbortedError);
  assert.ok(Date.now() - started < 15_000, 'did not wait for the 30 s run');
  assert.equal(state.stopped, 1);
  assert.equal(state.server?.listening, false);
});

test('an optional configuration the setup leaves out is skipped and left out of the result; a required one is an error', async () => {
  const state: { server?: Server; stopped: number } = { stopped: 0 };
  const base = inProcessBenchmark(state);
  const withOptional: Benchmark = { ...base, configurations: [...base.configurations, { name: 'extra', description: 'not started', optional: true }] };
  const result = await runBenchmark(withOptional, { ...options, rounds: 1 }, { signal: new AbortController().signal, log: () => {} });
  assert.deepEqual(
    result.configurations.map((c) => c.name),
    ['ok', 'teapot'],
  );
  const required: Benchmark = { ...base, configurations: [...base.configurations, { name: 'extra', description: 'not started' }] };
  await assert.rejects(runBenchmark(required, { ...options, rounds: 1 }, { signal: new AbortController().signal, log: () => {} }), /no target for configuration extra/);
  assert.equal(state.stopped, 2, 'both setups were stopped');
});

test('--only measures the named rows and the baseline; a name that is not a row is a usage error before anything starts', async () => {
  const state: { server?: Server; stopped: number } = { stopped: 0 };
  const base = inProcessBenchmark(state);
  const three: Benchmark = {
    ...base,
    configurations: [...base.configurations, { name: 'again', description: 'ok again' }],
    async setup(ctx) {
      const setup = await base.setup(ctx);
      return { ...setup, targets: { ...setup.targets, again: setup.targets.ok as NonNullable<(typeof setup.targets)['ok']> } };
    },
  };
  const hooks = { signal: new AbortController().signal, log: () => {} };
  const result = await runBenchmark(three, { ...options, rounds: 1, only: ['again'] }, hooks);
  assert.deepEqual(
    result.configurations.map((c) => c.name),
    ['ok', 'again'],
  );
  assert.equal(state.stopped, 1);
  await assert.rejects(runBenchmark(three, { ...options, only: ['nope'] }, hooks), (err: unknown) => err instanceof BenchUsageError && /--only: nope is not a row of in-process \(rows: ok, teapot, again\)/.test(err.message));
  assert.equal(state.stopped, 1, 'nothing was started for the refused run');
});
