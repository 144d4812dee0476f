import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { CoalescingDestination } from '../src/log-destination.js';

/** A sink that records each write it is given. */
function recordingSink(): { writes: string[]; write(data: Buffer): boolean } {
  const writes: string[] = [];
  return {
    writes,
    write(data: Buffer) {
      writes.push(data.toString());
      return true;
    },
  };
}

test('lines logged within the delay go out in one write, in order; later ones in another', async () => {
  const sink = recordingSink();
  const logger = pino({ base: null, timestamp: false }, new CoalescingDestination(sink, 1500));
  logger.info('one');
  logger.warn('two');
  await nextTurn();
  logger.info({ n: 3 }, 'three');
  assert.deepEqual(sink.writes, [], 'nothing is written before the delay is up');
  while (sink.writes.length === 0) await sleep(5);
  assert.equal(sink.writes.length, 1);
  const lines = String(sink.writes.at(0)).trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['one', 'two', 'three'],
  );
  logger.info('four');
  while (sink.writes.length === 1) await sleep(5);
  assert.match(String(sink.writes.at(1)), /"msg":"four"/);
  await sleep(50);
  assert.equal(sink.writes.length, 2, 'nothing more is written when nothing more is logged');
});

test('an error or fatal line is written at once, with the lines before it', () => {
  const sink = recordingSink();
  const logger = pino({ base: null, timestamp: false }, new CoalescingDestination(sink, 60_000));
  logger.info('context');
  logger.error('it broke');
  assert.equal(sink.writes.length, 1);
  assert.match(String(sink.writes.at(0)), /"msg":"context".*\n.*"msg":"it broke"/s);
  logger.debug('not logged at info');
  logger.warn('a warning waits');
  assert.equal(sink.writes.length, 1);
  logger.fatal('down');
  assert.equal(sink.writes.length, 2);
  assert.match(String(sink.writes.at(1)), /"msg":"a warning waits".*\n.*"msg":"down"/s);
});

test('flush writes what is pending at once', () => {
  const sink = recordingSink();
  const destination = new CoalescingDestination(sink, 60_000);
  destination.write('a\n');
  destination.write('b\n');
  destination.flush();
  assert.deepEqual(sink.writes, ['a\nb\n']);
  destination.flush();
  assert.deepEqual(sink.writes, ['a\nb\n']);
});

test("a process's last lines reach stdout when it exits in the same turn", () => {
  // The component logger's default destination, in a child that logs and exits at once (as a fatal start error does).
  const script = `
    import { startTelemetry } from '@setgate/telemetry';
    const t = startTelemetry({ service: 'probe', instance: 'p-1' });
    for (let i = 0; i < 3; i++) t.logger.info({ i }, 'before exit');
    t.logger.warn('exiting');
    process.exit(3);
  `;
  let out = '';
  try {
    execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    const e = err as { status: number; stdout: string };
    assert.equal(e.status, 3);
    out = e.stdout;
  }
  const msgs = out
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.deepEqual(msgs, ['before exit', 'before exit', 'before exit', 'exiting']);
});

test('lines are written as UTF-8 bytes; more than a buffer holds goes out in several writes, in order, and a handed-over buffer is never written again', () => {
  const kept: Buffer[] = [];
  const destination = new CoalescingDestination({ write: (data) => kept.push(data) > 0 }, 60_000);
  const line = (i: number) => `{"level":30,"i":${i},"msg":"é€😀 ${'x'.repeat(1000)}"}\n`;
  const count = 200; // ~200 KB: more than one buffer
  for (let i = 0; i < count; i++) destination.write(line(i));
  const huge = `{"level":30,"msg":"${'y'.repeat(300_000)}"}\n`;
  destination.write(huge);
  destination.write(line(count));
  destination.flush();
  assert.ok(kept.length >= 3, `${kept.length} writes`);
  const copies = kept.map((b) => Buffer.from(b));
  destination.write(line(0));
  destination.flush();
  assert.deepEqual(kept.slice(0, copies.length), copies, 'what was handed over is unchanged by later lines');
  const text = Buffer.concat(copies).toString('utf8');
  assert.equal(text, [...Array.from({ length: count }, (_, i) => line(i)), huge, line(count)].join(''));
});
