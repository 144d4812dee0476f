import type { Injected, LinkFaults, Scenario } from './scenario.js';

function links(l: LinkFaults | undefined): LinkFaults {
  if (!l) throw new Error('needs --wan');
  return l;
}

/** A seeded region cut off from the others (both ways, bytes held), healed after a while. */
export const partitionRegion: Scenario = {
  name: 'partition-region',
  summary: 'cut a region off from every other region (both ways), then heal',
  requires: 'wan',
  healPolicy: (stack) => ({ kind: 'after', ms: stack.topology.replication.leaseMs + 8000 }),
  async inject(ctx): Promise<Injected> {
    const l = links(ctx.links);
    const regions = ctx.stack.view.regionNames().sort();
    const region = ctx.rng.pick(regions);
    const others = regions.filter((r) => r !== region);
    for (const other of others) await l.partition(region, other, { mode: 'hold' });
    ctx.faultApplied();
    const sets = new Set(ctx.stack.topology.sets.filter((s) => s.region === region).map((s) => s.name));
    const shards = (await ctx.cp.status()).shards.filter((s) => sets.has(s.leader)).map((s) => s.shard);
    return {
      description: `partitioned ${region} from ${others.join(', ')}`,
      targets: [region],
      affectedShards: shards,
      heal: async () => {
        for (const other of others) await l.heal(region, other);
      },
    };
  },
};

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
