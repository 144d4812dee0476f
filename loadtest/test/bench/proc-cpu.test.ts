import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { clockTicksPerSecond, parseStatTicks, readProcessTicks, ticksToMicros } from '../../src/bench/proc-cpu.js';

test('parses utime and stime from this process\'s real /proc/self/stat', () => {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const ticks = parseStatTicks(text);
  // Cross-check against a plain split: this process's name (node) has no spaces.
  const fields = text.trim().split(' ');
  assert.equal(ticks.utime, Number(fields[13]));
  assert.equal(ticks.stime, Number(fields[14]));
  assert.ok(ticks.utime + ticks.stime > 0, 'loading tsx alone costs CPU time');
});

test('counts fields from the last ")" so a command name with spaces and parentheses cannot shift them', () => {
  const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 52 0 0 20 0 1 0 100 0 0\n';
  assert.deepEqual(parseStatTicks(line), { utime: 731, stime: 52 });
});

test('refuses text that is not a stat line', () => {
  assert.throws(() => parseStatTicks('hello'), /no "\)"/);
  assert.throws(() => parseStatTicks('1 (x) S 1 2'), /utime\/stime/);
});

test('reads a live process and sees its CPU time grow', () => {
  const before = readProcessTicks(process.pid);
  const hz = clockTicksPerSecond();
  const until = Date.now() + (3 * 1000) / hz + 50; // a few ticks of busy work
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  assert.ok(readProcessTicks(process.pid) > before);
});

test('a pid that does not exist gives a clear error', () => {
  assert.throws(() => readProcessTicks(2 ** 22 + 1), /cannot read CPU time of pid/);
});

test('CLK_TCK comes from getconf and converts ticks to µs', () => {
  const hz = clockTicksPerSecond();
  assert.ok(Number.isInteger(hz) && hz > 0);
  assert.equal(ticksToMicros(hz, hz), 1_000_000);
  assert.equal(ticksToMicros(3, 100), 30_000);
});
