import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { jsonString, LineWriter } from '../src/line-writer.js';

/** A destination that keeps what is written. */
function sink() {
  const written: string[] = [];
  return { written, destination: { write: (s: string) => void written.push(s) } };
}

/** `"time":<n>` differs between two writers by when they ran. */
const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

test('a line is byte for byte what the pino logger writes for the same base, fields and message', () => {
  const base = { service: 'gateway', instance: 'us-east-gw-1', region: 'us-east' };
  const fields = { access: true, method: 'GET', path: '/v1/a"b\\c\u0001é', status: 200, duration_ms: 1.235, upstream: 'us-east-a-1' };
  for (const level of ['info', 'warn', 'error'] as const) {
    const ours = sink();
    const theirs = sink();
    new LineWriter('info', base, ours.destination).write(level, JSON.stringify(fields).slice(1, -1), 'access');
    pino({ level: 'info', base }, theirs.destination)[level](fields, 'access');
    assert.equal(ours.written.length, 1);
    assert.equal(withoutTime(ours.written[0] as string), withoutTime(theirs.written[0] as string), level);
  }
  const empty = sink();
  new LineWriter('info', {}, empty.destination).write('info', '', 'm"sg');
  assert.deepEqual(JSON.parse(empty.written[0] as string), { level: 30, time: JSON.parse(empty.written[0] as string).time, msg: 'm"sg' });
});

test("lines below the logger's level are neither built nor written", () => {
  const { written, destination } = sink();
  const writer = new LineWriter('warn', { service: 's' }, destination);
  assert.equal(writer.enabled('info'), false);
  assert.equal(writer.enabled('warn'), true);
  writer.write('info', '"a":1', 'access');
  writer.write('error', '"a":1', 'access');
  assert.equal(written.length, 1);
  assert.equal(JSON.parse(written[0] as string).level, 50);
  const silent = new LineWriter('silent', {}, destination);
  assert.equal(silent.enabled('error'), false);
  assert.throws(() => new LineWriter('loud', {}, destination), /unknown log level "loud"/);
});

test('jsonString quotes plain ASCII as it is and escapes the rest as JSON does', () => {
  for (const s of ['', 'plain /path-1_2', 'q"uote', 'back\\slash', 'tab\t', 'nul\u0000', 'é', '\u2028', '😀']) {
    assert.equal(jsonString(s), JSON.stringify(s), s);
  }
});
