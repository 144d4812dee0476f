import type { Stack } from '@setgate/launcher';
import { component, type DrillContext, type Injected, type Scenario, writePoints } from './scenario.js';

/** A seeded write-point: a node that leads at least one shard now. */
async function pickWritePoint(ctx: DrillContext): Promise<[string, number[]]> {
  const leaders = [...(await writePoints(ctx.cp))].sort(([a], [b]) => a.localeCompare(b));
  return ctx.rng.pick(leaders);
}

const leaseMs = (stack: Stack) => stack.topology.replication.leaseMs;

/** SIGKILL of one write-point; healed by restarting it with its data. */
export const killWritePoint: Scenario = {
  name: 'kill-write-point',
  summary: 'SIGKILL the write-point node of some shards; restart it with its data once writes recovered',
  healPolicy: () => ({ kind: 'after-recovery', minMs: 0 }),
  async inject(ctx): Promise<Injected> {
    const [node, shards] = await pickWritePoint(ctx);
    component(ctx.stack, node).kill('SIGKILL');
    ctx.faultApplied();
    return {
      description: `SIGKILL ${node}, write-point of ${shards.length} shard(s)`,
      targets: [node],
      affectedShards: shards,
      heal: () => ctx.stack.restart(node),
    };
  },
};

/** SIGSTOP of one write-point past its lease; healed by SIGCONT. */
export const pauseWritePoint: Scenario = {
  name: 'pause-write-point',
  summary: 'SIGSTOP the write-point node of some shards past its lease, then SIGCONT',
  healPolicy: (stack) => ({ kind: 'after-recovery', minMs: leaseMs(stack) + 2000 }),
  async inject(ctx): Promise<Injected> {
    const [node, shards] = await pickWritePoint(ctx);
    const c = component(ctx.stack, node);
    c.kill('SIGSTOP');
    ctx.faultApplied();
    return {
      description: `SIGSTOP ${node}, write-point of ${shards.length} shard(s) (lease ${leaseMs(ctx.stack)} ms)`,
      targets: [node],
      affectedShards: shards,
      heal: async () => c.kill('SIGCONT'),
    };
  },
};

/** SIGKILL of every process of one region (proxy, gateways, nodes); healed by restarting them with their data. */
export const killRegion: Scenario = {
  name: 'kill-region',
  summary: "SIGKILL every process of a region (its proxy, gateways and nodes); users fail over to the next region's proxy",
  healPolicy: () => ({ kind: 'after-recovery', minMs: 0 }),
  async inject(ctx): Promise<Injected> {
    const region = ctx.rng.pick(ctx.stack.view.regionNames().sort());
    const instances = ctx.stack.view.allInstances().filter((i) => i.region === region);
    const leaders = await writePoints(ctx.cp);
    const shards = instances.flatMap((i) => leaders.get(i.id) ?? []).sort((a, b) => a - b);
    for (const i of instances) component(ctx.stack, i.id).kill('SIGKILL');
    ctx.faultApplied();
    return {
      description: `SIGKILL region ${region}: ${instances.map((i) => i.id).join(', ')}`,
      targets: instances.map((i) => i.id),
      affectedShards: shards,
      async heal() {
        // In dependency order, as the stack starts: nodes, then gateways, then the proxy.
        for (const kind of ['set-runtime', 'gateway', 'regional-proxy'] as const) {
          await Promise.all(instances.filter((i) => i.kind === kind).map((i) => ctx.stack.restart(i.id)));
        }
      },
    };
  },
};

/** SIGKILL of the control plane; healed by restarting it after a fixed time past the leaders' lease. */
export const controlPlaneDown: Scenario = {
  name: 'control-plane-down',
  summary: 'SIGKILL the control plane for longer than the leader lease, then restart it',
  healPolicy: (stack) => ({ kind: 'after', ms: leaseMs(stack) + 5000 }),
  async inject(ctx): Promise<Injected> {
    const id = ctx.stack.topology.controlPlane?.id;
    if (!id) throw new Error('the topology has no control plane');
    component(ctx.stack, id).kill('SIGKILL');
    ctx.faultApplied();
    return {
      description: `SIGKILL ${id}`,
      targets: [id],
      affectedShards: Array.from({ length: ctx.stack.view.shardCount }, (_, i) => i),
      heal: () => ctx.stack.restart(id),
    };
  },
};

/** SIGKILL of the gateways' shared Redis; healed by starting it again (empty, as a crashed cache comes back). */
export const redisDown: Scenario = {
  name: 'redis-down',
  summary: "SIGKILL the gateways' shared rate-limit Redis, restart it after a while",
  requires: 'redis',
  healPolicy: () => ({ kind: 'after', ms: 8000 }),
  async inject(ctx): Promise<Injected> {
    const redis = ctx.redis;
    if (!redis) throw new Error('redis-down needs the stack to run redis');
    await redis.kill();
    ctx.faultApplied();
    return {
      description: `SIGKILL redis-server on port ${redis.port}`,
      targets: ['redis'],
      affectedShards: Array.from({ length: ctx.stack.view.shardCount }, (_, i) => i),
      heal: () => redis.restart(),
    };
  },
};

/** SIGKILL of every node of one set that leads shards (the set is the unit of failure); healed by restarting them with their data. */
export const killSet: Scenario = {
  name: 'kill-set',
  summary: 'SIGKILL every node of a set that leads shards; restart them with their data once writes recovered',
  healPolicy: () => ({ kind: 'after-recovery', minMs: 0 }),
  async inject(ctx): Promise<Injected> {
    const leaders = await writePoints(ctx.cp);
    const view = ctx.stack.view;
    const leadingSets = [...new Set([...leaders.keys()].map((id) => view.node(id)?.set).filter((s): s is string => s !== undefined))].sort();
    const set = ctx.rng.pick(leadingSets);
    const nodes = view.nodesOfSet(set).map((n) => n.id);
    const shards = nodes.flatMap((id) => leaders.get(id) ?? []).sort((a, b) => a - b);
    for (const id of nodes) component(ctx.stack, id).kill('SIGKILL');
    ctx.faultApplied();
    return {
      description: `SIGKILL set ${set}: ${nodes.join(', ')}, write-point(s) of ${shards.length} shard(s)`,
      targets: nodes,
      affectedShards: shards,
      heal: async () => {
        await Promise.all(nodes.map((id) => ctx.stack.restart(id)));
      },
    };
  },
};

/**
 * SIGKILL of one etcd member of the control plane's cluster (3 members: a
 * quorum stays); healed by restarting it with its data. No write may fail
 * for it: the control-plane replicas move to the members left.
 */
export const etcdMemberDown: Scenario = {
  name: 'etcd-member-down',
  summary: "SIGKILL the leader of the control plane's 3-member etcd cluster (the hard case: no lease can be granted until a new one is elected) for 10 s, then restart it",
  requires: 'etcd',
  healPolicy: () => ({ kind: 'after', ms: 10000 }),
  async inject(ctx): Promise<Injected> {
    const cluster = ctx.etcd;
    if (!cluster) throw new Error('etcd-member-down needs the control plane on etcd');
    // The leader when one answers; otherwise a seeded pick (the description says which).
    const leader = await cluster.leader();
    const member = cluster.members.find((m) => m.name === leader) ?? ctx.rng.pick([...cluster.members].sort((a, b) => a.name.localeCompare(b.name)));
    await member.kill();
    ctx.faultApplied();
    return {
      description: `SIGKILL etcd member ${member.name} (${member.name === leader ? 'the leader' : 'leader unknown'})`,
      targets: [member.name],
      affectedShards: Array.from({ length: ctx.stack.view.shardCount }, (_, i) => i),
      heal: () => member.restart(),
    };
  },
};
