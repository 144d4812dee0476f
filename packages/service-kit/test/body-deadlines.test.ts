import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BodyDeadlines } from '../src/body-deadlines.js';

/** The parts of a request the sweep reads: whether the body is in, and the socket's progress. */
function fakeRequest() {
  const raw = { complete: false, destroyed: false, readableLength: 0, socket: { destroyed: false, bytesRead: 0 } };
  return { raw, request: { raw } as unknown as FastifyRequest, reply: { sent: false } as unknown as FastifyReply };
}

test('the sweep runs only while a body is watched', () => {
  let clock = 0;
  const cuts: string[] = [];
  const d = new BodyDeadlines({ bodyMinBytesPerSec: 1000, bodyGraceMs: 1000 }, (_req, _reply, err) => cuts.push(err.code), () => clock);
  try {
    assert.equal(d.sweeping, false, 'nothing to watch: no timer wakes the process');
    const a = fakeRequest();
    const b = fakeRequest();
    d.watch(a.request, a.reply);
    d.watch(b.request, b.reply);
    assert.equal(d.sweeping, true);
    a.raw.complete = true;
    d.check();
    assert.equal(d.size, 1);
    assert.equal(d.sweeping, true, 'one body still being read');
    clock = 5000; // b sent nothing for 5 s: cut
    d.check();
    assert.deepEqual(cuts, ['SETGATE_BODY_TOO_SLOW']);
    assert.equal(d.sweeping, false, 'the last body is gone: the timer stops');
    const c = fakeRequest();
    d.watch(c.request, c.reply);
    assert.equal(d.sweeping, true, 'and starts again with the next body');
  } finally {
    d.stop();
  }
  assert.equal(d.sweeping, false);
});
