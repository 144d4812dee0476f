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

describe('event-loop delay weighed by the work of the loop itself', () => {
  /** A monitor on fake clocks, with a histogram whose mean is `delayMs` over the resolution's sleep. */
  function monitorAt(delayMs: number, cpuShare: number) {
    let now = 0;
    let cpu = 0;
    const loop = new EventLoopDelay(
      () => now,
      () => cpu,
    );
    void loop.ms; // starts it at now = 0, cpu = 0
    const histogram = (loop as unknown as { histogram: { mean: number; reset(): void } }).histogram;
    Object.defineProperty(histogram, 'mean', { value: (10 + delayMs) * 1e6, configurable: true });
    now = 200;
    cpu = 200 * cpuShare;
    void loop.ms; // read: keeps it measuring
    loop.sample();
    return loop;
  }

  it('counts a delay in full when the loop used half a core or more over the period', () => {
    for (const share of [0.5, 0.9, 1]) {
      const loop = monitorAt(150, share);
      try {
        assert.equal(Math.round(loop.ms), 150, `share ${share}`);
      } finally {
        loop.stop();
      }
    }
  });

  it('scales down a delay the host caused: a starved loop that did little work of its own', () => {
    const starved = monitorAt(150, 0.1);
    const idle = monitorAt(150, 0);
    try {
      assert.equal(Math.round(starved.ms), 30, '0.1 of a core: a fifth of the delay');
      assert.equal(idle.ms, 0, 'no work of its own: no delay of its own');
    } finally {
      starved.stop();
      idle.stop();
    }
  });
});
