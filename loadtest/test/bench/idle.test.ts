import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IdleResult } from '../../src/bench/idle/idle-bench.js';
import { formatIdleTable } from '../../src/bench/idle/idle-table.js';
import { parseRssBytes, parseSwitches, readProcessActivity } from '../../src/bench/idle/proc-activity.js';
import { BenchUsageError, IDLE_DEFAULTS, parseBenchArgs } from '../../src/bench/options.js';

const STATUS = `Name:\tnode
State:\tS (sleeping)
VmRSS:\t  145320 kB
Threads:\t11
voluntary_ctxt_switches:\t1234
nonvoluntary_ctxt_switches:\t56
`;

test('a status text gives both switch counters summed and VmRSS in bytes', () => {
  assert.equal(parseSwitches(STATUS), 1290);
  assert.equal(parseSwitches('Name:\tx\n'), 0);
  assert.equal(parseRssBytes(STATUS), 145320 * 1024);
  assert.throws(() => parseRssBytes('Name:\tkthreadd\n'), /no VmRSS/);
});

test('this process reads as alive: it has used CPU, switched and holds memory', () => {
  const a = readProcessActivity(process.pid);
  assert.ok(a.ticks >= 0);
  assert.ok(a.switches > 0, 'a process that started node has waited at least once');
  assert.ok(a.rssBytes > 1024 * 1024);
});

test('idle takes its own defaults and refuses options that shape load', () => {
  const parsed = parseBenchArgs(['idle']);
  assert.equal(parsed.kind, 'run');
  if (parsed.kind !== 'run') return;
  assert.equal(parsed.options.durationSec, IDLE_DEFAULTS.durationSec);
  assert.equal(parsed.options.rounds, IDLE_DEFAULTS.rounds);
  assert.equal(parsed.options.warmupSec, IDLE_DEFAULTS.warmupSec);
  const explicit = parseBenchArgs(['idle', '--duration', '5', '--rounds', '1', '--warmup', '0', '--wan']);
  assert.ok(explicit.kind === 'run' && explicit.options.durationSec === 5 && explicit.options.wan === true);
  assert.throws(() => parseBenchArgs(['idle', '--rate', '100', '--connections', '4']), (err: unknown) => err instanceof BenchUsageError && /--connections, --rate does not apply/.test(err.message));
  // Other benchmarks keep theirs.
  const gw = parseBenchArgs(['gateway']);
  assert.ok(gw.kind === 'run' && gw.options.durationSec !== IDLE_DEFAULTS.durationSec);
});

function result(cores: number): IdleResult {
  return {
    benchmark: 'idle',
    description: 'the stack',
    options: { durationSec: 20, rounds: 2, warmupSec: 10, connections: 32 },
    clockTicksPerSecond: 100,
    goalCores: 0.05,
    windows: [
      { seconds: 20, cores, wakeupsPerSec: 300 },
      { seconds: 20, cores, wakeupsPerSec: 320 },
    ],
    total: { seconds: 40, cores, wakeupsPerSec: 310, rssBytes: 300 * 1024 * 1024 },
    processes: [
      { id: 'node-b', kind: 'set-runtime', pid: 3, cpuMsPerSec: 20.04, wakeupsPerSec: 150, rssBytes: 150 * 1024 * 1024 },
      { id: 'gw-a', kind: 'gateway', pid: 2, cpuMsPerSec: 5, wakeupsPerSec: 100, rssBytes: 100 * 1024 * 1024 },
      { id: 'cp', kind: 'control-plane', pid: 1, cpuMsPerSec: 1, wakeupsPerSec: 60, rssBytes: 50 * 1024 * 1024 },
    ],
  };
}

test('the table lists processes control plane first, then the total, the windows and the verdict', () => {
  const text = formatIdleTable(result(0.26));
  const lines = text.split('\n');
  const order = ['cp', 'gw-a', 'node-b', 'total (3)'].map((id) => lines.findIndex((l) => l.startsWith(id)));
  assert.ok(order.every((i, k) => i > 0 && (k === 0 || i > (order[k - 1] as number))), text);
  assert.match(text, /node-b\s+set-runtime\s+20\.0\s+150\s+150/);
  assert.match(text, /total \(3\)\s+260\.0\s+310\s+300/);
  assert.match(text, /windows \(cores\): 0\.260, 0\.260/);
  assert.match(text, /0\.260 core against a goal of ≤ 0\.05 \(5\.2× the goal\)/);
  assert.match(formatIdleTable(result(0.04)), /\(within the goal\)/);
});
