import { setTimeout as sleep } from 'node:timers/promises';
import type { Injected, Scenario } from './scenario.js';

const REASON = 'drill';

/** Planned leadership moves under load: a few seeded shards moved to another of their replicas. */
export const shardMove: Scenario = {
  name: 'shard-move',
  summary: 'move the leadership of 4 seeded shards to another of their replicas (fence, catch up, epoch + 1) under load',
  healPolicy: () => ({ kind: 'after', ms: 0 }),
  async inject(ctx): Promise<Injected> {
    const status = await ctx.cp.status();
    const shards = [...status.shards];
    const moves: Array<{ shard: number; to: string }> = [];
    while (moves.length < 4 && shards.length > 0) {
      const s = shards.splice(Math.floor(ctx.rng.next() * shards.length), 1)[0];
      const others = s ? s.replicas.filter((r) => r !== s.leader) : [];
      if (s && others.length > 0) moves.push({ shard: s.shard, to: ctx.rng.pick(others) });
    }
    ctx.faultApplied();
    for (const m of moves) await ctx.cp.moveShard(m.shard, m.to, REASON);
    return {
      description: `moved ${moves.map((m) => `shard ${m.shard} → ${m.to}`).join(', ')}`,
      targets: moves.map((m) => m.to),
      affectedShards: moves.map((m) => m.shard),
      heal: async () => {},
    };
  },
};

/** Drain of a seeded region under load (leaders move away, proxies avoid it); undrained after a while. */
export const drainRegion: Scenario = {
  name: 'drain-region',
  summary: 'drain a region under load (its leaders move away by switchover, users go to the next region), then undrain',
  healPolicy: () => ({ kind: 'after', ms: 10000 }),
  async inject(ctx): Promise<Injected> {
    const region = ctx.rng.pick(ctx.stack.view.regionNames().sort());
    const status = await ctx.cp.status();
    const sets = new Set(ctx.stack.topology.sets.filter((s) => s.region === region).map((s) => s.name));
    const shards = status.shards.filter((s) => sets.has(s.leader)).map((s) => s.shard);
    ctx.faultApplied();
    await ctx.cp.drainRegion(region, REASON);
    return {
      description: `drained region ${region} (${shards.length} leaderships moved away)`,
      targets: [region],
      affectedShards: shards,
      heal: async () => {
        await ctx.cp.undrainRegion(region, REASON);
      },
    };
  },
};

/** Three times the users for a while: shedding and rate limits must refuse cleanly, never lose or invent. */
export const overload3x: Scenario = {
  name: 'overload-3x',
  summary: 'triple the users (2× more, each its own session) for 10 s',
  surge: true,
  healPolicy: () => ({ kind: 'after', ms: 10000 }),
  async inject(ctx): Promise<Injected> {
    ctx.load.setSurge(true);
    ctx.faultApplied();
    return {
      description: 'surge: 3× the users',
      targets: [],
      affectedShards: Array.from({ length: ctx.stack.view.shardCount }, (_, i) => i),
      heal: async () => ctx.load.setSurge(false),
    };
  },
};

const SWAPS = 5;

/** Each command's timeout in `document`, by name. */
function commandTimeouts(document: Record<string, unknown>): Map<string, number | undefined> {
  const commands = (document.commands ?? []) as Array<{ name: string; timeoutMs?: number }>;
  return new Map(commands.map((c) => [c.name, c.timeoutMs]));
}

/** `document` with every command's timeout set by `timeoutOf`. */
function withTimeouts(document: Record<string, unknown>, timeoutOf: (name: string, current: number | undefined) => number | undefined) {
  const doc = structuredClone(document);
  for (const c of (doc.commands ?? []) as Array<{ name: string; timeoutMs?: number }>) {
    const t = timeoutOf(c.name, c.timeoutMs);
    if (t === undefined) delete c.timeoutMs;
    else c.timeoutMs = t;
  }
  return doc;
}

/**
 * Config versions published under load, one a second: every component swaps
 * its routing table whole while requests are in flight, and none may be lost,
 * refused for the swap, or routed by half a table. Each version changes every
 * command's upstream timeout a little (a change that moves no leader); healing
 * publishes the original timeouts again.
 */
export const configSwap: Scenario = {
  name: 'config-swap',
  summary: `publish ${SWAPS} config versions under load, 1 s apart (command timeouts changed), then the original values again`,
  healPolicy: () => ({ kind: 'after', ms: 0 }),
  async inject(ctx): Promise<Injected> {
    const first = await ctx.admin.config();
    const original = commandTimeouts(first.document);
    ctx.faultApplied();
    const versions: number[] = [];
    for (let i = 1; i <= SWAPS; i++) {
      // Read again each time: the failover controller may have published in between.
      const current = await ctx.admin.config();
      const doc = withTimeouts(current.document, (name) => (original.get(name) ?? 2000) + i);
      versions.push((await ctx.admin.apply(doc, current.version, `drill: config swap ${i}/${SWAPS}`)).version);
      await sleep(1000);
    }
    return {
      description: `published versions ${versions.join(', ')} (command timeouts +1…+${SWAPS} ms)`,
      targets: [],
      affectedShards: [],
      heal: async () => {
        const current = await ctx.admin.config();
        await ctx.admin.apply(withTimeouts(current.document, (name) => original.get(name)), current.version, 'drill: config swap healed');
      },
    };
  },
};
