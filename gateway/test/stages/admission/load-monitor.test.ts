import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLoopDelay } from '../../../src/stages/admission/load-monitor.js';

describe('event-loop delay for admission', () => {
  it('measures only while read: two quiet seconds stop it, the next read starts it again', () => {
    let now = 0;
    const loop = new EventLoopDelay(() => now);
    try {
      assert.equal(loop.measuring, false, 'an unread monitor does not run');
      assert.equal(loop.ms, 0);
      assert.equal(loop.measuring, true);
      now = 1500;
      loop.sample();
      assert.equal(loop.measuring, true, 'read 1.5 s ago: still measuring');
      now = 2100;
      loop.sample();
      assert.equal(loop.measuring, false, 'nobody asked for 2.1 s: stopped');
      assert.equal(loop.ms, 0, 'a restarted monitor reads 0 until its first sample');
      assert.equal(loop.measuring, true);
    } finally {
      loop.stop();
    }
  });

  it('shows a blocked event loop once a sample covers the block', async () => {
    const loop = new EventLoopDelay();
    try {
      void loop.ms;
      const until = performance.now() + 150;
      while (performance.now() < until) {
        // Block the loop: requests would not even be read now.
      }
      const deadline = Date.now() + 30_000;
      let seen = 0;
      while (seen === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        seen = loop.ms;
      }
      assert.ok(seen > 0, `a 150 ms block read as ${seen} ms`);
    } finally {
      loop.stop();
    }
  });
});
