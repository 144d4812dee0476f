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
