import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogPosition } from '@setgate/contracts';
import type { LoadedTopology } from '@setgate/config';
import { buildRoutingTable, type RouteCommand, type RoutingTable } from '@setgate/topology';
import { NodeHealth } from '../../../src/stages/forward/node-health.js';
import { type Candidate, planRoute } from '../../../src/stages/routing/route-plan.js';
import { multiRegionTopology } from '../../helpers/multi-region.js';

const WRITTEN: LogPosition = { epoch: 3, lsn: 42 };

/** Every command of the table (the test topology's paths have no parameters). */
function commandsOf(table: RoutingTable, topology: LoadedTopology): RouteCommand[] {
  return topology.commands.map((c) => {
    const match = table.match(c.method, c.path);
    assert.ok(match, c.name);
    return match.command;
  });
}

/**
 * The class behind issue 11's finding 5: a read sent without the client's
 * session position. Every place a plan can send a read — its candidates and
 * its fallback, with any set of nodes ejected and any set skipped, for every
 * command — must carry the position; and only a `staleFallback` command may
 * drop the staleness bound, and only on its fallback.
 */
describe('route plan: the session position on every candidate', () => {
  const topology = multiRegionTopology({ near: 1, mid: 2, far: 3 });
  const table = buildRoutingTable(topology);
  const nodes = ['near-a-1', 'mid-a-1', 'far-a-1'];
  const subsets = (ids: string[]): string[][] => {
    const all: string[][] = [[]];
    for (const id of ids) for (const s of all.slice()) all.push([...s, id]);
    return all;
  };

  /** Checks one fallback candidate of `command` given the skipped nodes. */
  function checkFallback(command: RouteCommand, c: Candidate, skip: string[]): void {
    assert.deepEqual(c.minPosition, WRITTEN, `${command.def.name}: fallback ${c.node.id} without the position`);
    assert.equal(c.leader, false);
    assert.equal(skip.includes(c.node.id), false, 'a skipped node is not tried again');
    if (command.def.staleFallback) {
      assert.equal(c.staleFallback, true);
      assert.equal(c.maxStalenessMs, undefined);
    } else {
      assert.equal(c.staleFallback, false);
      assert.equal(c.maxStalenessMs, command.def.maxStalenessMs, 'without staleFallback the bound stays');
    }
  }

  /** A health view with `ejected` out of selection. */
  function healthWith(ejected: string[]): NodeHealth {
    let now = 0;
    const health = new NodeHealth({ ...topology.gateway.upstream, ejectAfterFailures: 1, baseEjectionMs: 1000 }, 99, () => now);
    for (const id of ejected) health.failure(id);
    now = 1;
    return health;
  }

  it('puts the position on every candidate and fallback candidate, whatever is ejected or skipped', () => {
    let checked = 0;
    for (const command of commandsOf(table, topology)) {
      for (const ejected of subsets(nodes)) {
        const health = healthWith(ejected);
        for (let shard = 0; shard < table.view.shardCount; shard++) {
          const plan = planRoute(table.view, command, shard, 'near', new Map([[shard, WRITTEN]]), health);
          for (const c of plan.candidates) {
            assert.deepEqual(c.minPosition, WRITTEN, `${command.def.name}: candidate ${c.node.id} without the position`);
            assert.equal(c.staleFallback, false);
          }
          for (const skip of subsets(nodes)) {
            for (const c of plan.fallback(new Set(skip))) {
              checked++;
              checkFallback(command, c, skip);
            }
          }
        }
      }
    }
    assert.ok(checked > 0, 'some fallback candidates were checked');
  });

  it('has no fallback for writes, nor for a zero-bound read without staleFallback', () => {
    const strict = multiRegionTopology({ near: 1, mid: 2, far: 3 }, (doc) => {
      for (const c of doc.commands as Record<string, unknown>[]) c.staleFallback = false;
    });
    const t = buildRoutingTable(strict);
    const health = new NodeHealth(strict.gateway.upstream, 99);
    for (const command of commandsOf(t, strict)) {
      const plan = planRoute(t.view, command, 0, 'near', undefined, health);
      if (command.def.kind === 'write' || command.def.maxStalenessMs === 0) assert.deepEqual(plan.fallback(new Set()), [], command.def.name);
    }
  });
});
