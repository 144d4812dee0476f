import type { Injected, LinkFaults, Scenario } from './scenario.js';

function links(l: LinkFaults | undefined): LinkFaults {
  if (!l) throw new Error('needs --wan');
  return l;
}

/** A seeded region cut off from every other region (both ways, or only its outgoing bytes), healed after a while. */
function partition(oneWay: boolean): Scenario {
  return {
    name: oneWay ? 'partition-region-one-way' : 'partition-region',
    summary: oneWay
      ? "cut a region's outgoing bytes to every other region (one way: it still hears them), then heal"
      : 'cut a region off from every other region (both ways) and from its users (they go to the next region), then heal',
    requires: 'wan',
    healPolicy: (stack) => ({ kind: 'after', ms: stack.topology.replication.leaseMs + 8000 }),
    async inject(ctx): Promise<Injected> {
      const l = links(ctx.links);
      const regions = ctx.stack.view.regionNames().sort();
      const region = ctx.rng.pick(regions);
      const others = regions.filter((r) => r !== region);
      const sets = new Set(ctx.stack.topology.sets.filter((s) => s.region === region).map((s) => s.name));
      const shards = (await ctx.cp.status()).shards.filter((s) => sets.has(s.leader)).map((s) => s.shard);
      for (const other of others) await l.partition(region, other, { mode: 'hold', oneWay });
      // Both ways cut off, the region is cut off from its users too: they go to the next region (Load.setRegionCutOff).
      if (!oneWay) ctx.load.setRegionCutOff(region, true);
      ctx.faultApplied();
      return {
        description: `partitioned ${region} from ${others.join(', ')}${oneWay ? ' (one way: its outgoing bytes)' : ' and from its users'}`,
        targets: [region],
        affectedShards: shards,
        ...(oneWay ? {} : { usersCutOff: region }),
        heal: async () => {
          for (const other of others) await l.heal(region, other);
          ctx.load.setRegionCutOff(region, false);
        },
      };
    },
  };
}

export const partitionRegion = partition(false);
export const partitionRegionOneWay = partition(true);

/** A seeded link between two regions slowed by 200 ms each way, healed after a while. */
export const slowLink: Scenario = {
  name: 'slow-link',
  summary: 'add 200 ms each way to the link between two regions, then heal',
  requires: 'wan',
  healPolicy: () => ({ kind: 'after', ms: 10000 }),
  async inject(ctx): Promise<Injected> {
    const l = links(ctx.links);
    const regions = ctx.stack.view.regionNames().sort();
    const a = ctx.rng.pick(regions);
    const b = ctx.rng.pick(regions.filter((r) => r !== a));
    await l.slow(a, b, { delayMs: 200 });
    ctx.faultApplied();
    return {
      description: `slowed ${a} ↔ ${b} by 200 ms each way`,
      targets: [a, b],
      affectedShards: Array.from({ length: ctx.stack.view.shardCount }, (_, i) => i),
      heal: async () => {
        await l.heal(a, b);
      },
    };
  },
};
