import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Op } from '../../src/drill/checker/index.js';
import { parseDrillArgs } from '../../src/drill/options.js';
import { RecoveryWatch, recoveryOf } from '../../src/drill/recovery.js';
import { createRng } from '../../src/drill/rng.js';
import { pickUsers } from '../../src/drill/users.js';

let id = 0;
const write = (shard: number, invokeMs: number, ok: boolean, status = ok ? 200 : 503): Op => ({
  id: ++id,
  kind: 'profile.put',
  key: `k${shard}`,
  shard,
  session: `k${shard}`,
  invokeMs,
  completeMs: invokeMs + 20,
  outcome: ok ? 'ok' : 'unknown',
  status,
  attempts: 1,
  value: `v${id}`,
});

describe('drill recovery measures', () => {
  test('RTO runs from the fault to the first acknowledged write after the last failed one; write pause is the longest gap', () => {
    const ops = [write(1, 900, true), write(1, 1100, false), write(1, 3000, true), write(1, 3500, false), write(1, 6000, true), write(1, 7000, true), write(2, 1500, true)];
    const [s1, s2] = recoveryOf(ops, [1, 2], 1000, 8000);
    assert.deepEqual(s1, { shard: 1, disrupted: true, rtoMs: 5020, lastFailedSentMs: 2500, writePauseMs: 3000, failedWrites: 2 });
    // The last failed write was sent 2500 ms after the fault: RTO lies between 2500 and 5020 ms.
    // Shard 2 never failed: RTO 0; its pause lasts from its last ack to the end of the load.
    assert.equal(s2?.rtoMs, 0);
    assert.equal(s2?.disrupted, false);
    assert.equal(s2?.writePauseMs, 8000 - 1520);
  });

  test('a shard with no acknowledged write after its last failure is not recovered (null), and a 4xx refusal is no outage', () => {
    const ops = [write(1, 500, true), write(1, 1200, false), write(1, 1400, false, 422)];
    assert.equal(recoveryOf(ops, [1], 1000, 5000)[0]?.rtoMs, null);
    assert.equal(recoveryOf([write(1, 1200, false, 422)], [1], 1000, 5000)[0]?.disrupted, false);
  });

  test('the live watch says recovered only once every affected shard has acks in a row after its failures', () => {
    const watch = new RecoveryWatch([1, 2], 1000, 2, 5000);
    for (const op of [write(1, 1100, false), write(2, 1100, false), write(1, 2000, true), write(1, 2100, true), write(2, 2000, true)]) watch.record(op);
    assert.equal(watch.recovered(2500), false);
    watch.record(write(2, 2600, true));
    assert.equal(watch.recovered(2700), true);
  });
});

describe('drill setup', () => {
  test('users cover every shard evenly and spread over the regions', () => {
    const users = pickUsers('u', 64, 2, ['a', 'b', 'c']);
    assert.equal(users.length, 128);
    for (let s = 0; s < 64; s++) assert.equal(users.filter((u) => u.shard === s).length, 2);
    assert.deepEqual(new Set(users.map((u) => u.homeRegion)), new Set(['a', 'b', 'c']));
  });

  test('one seed gives one sequence; forks are independent streams', () => {
    const a = createRng(7);
    const b = createRng(7);
    assert.deepEqual([a.next(), a.next()], [b.next(), b.next()]);
    assert.notEqual(createRng(7).fork('x').next(), createRng(7).fork('y').next());
  });

  test('CLI options: defaults, values, and refusals', () => {
    assert.deepEqual(parseDrillArgs(['kill-write-point']), {
      scenario: 'kill-write-point', seed: 1, runs: 1, durationS: 40, usersPerShard: 2, thinkMs: 400, json: undefined, html: undefined, wan: false,
    });
    const o = parseDrillArgs(['pause-write-point', '--seed', '9', '--runs', '5', '--duration', '30', '--json', 'r.json', '--html', 'r.html']);
    assert.equal(o.seed, 9);
    assert.equal(o.runs, 5);
    assert.equal(o.durationS, 30);
    assert.throws(() => parseDrillArgs([]), /usage/);
    assert.throws(() => parseDrillArgs(['x', '--runs', '0']), /--runs/);
  });
});
