import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { Header, InternalPath } from '@setgate/contracts';
import { shardOf, TopologyView } from '@setgate/topology';
import type { Benchmark, BenchSetup, BenchTarget, LoadRequest } from '../benchmark.js';
import { expect2xx } from '../preflight.js';
import { type BenchStack, startBenchStack } from '../stack.js';

/** What each shard of the bench topology is, by shard number mod 3. */
const KINDS = ['local-only', 'async', 'sync'] as const;
type ShardKind = (typeof KINDS)[number];

interface Pair {
  readonly leader: string;
  readonly follower: string;
}

/** Picks a write-point set and a follower set in another region from the shipped topology. */
function pickPair(view: TopologyView): Pair & { leaderSet: string; followerSet: string } {
  const nodes = view.allNodes();
  const leader = nodes[0];
  const follower = nodes.find((n) => leader && n.region !== leader.region);
  if (!leader || !follower) throw new Error('the topology needs nodes in two regions');
  return { leader: leader.id, follower: follower.id, leaderSet: leader.set, followerSet: follower.set };
}

/** Every shard led by the pair's leader set: local-only (no replica), async or sync (minInsync 1, other region) by shard mod 3. */
function placeAll(pair: ReturnType<typeof pickPair>, durability: 'group' | 'fsync') {
  return (doc: Record<string, unknown>) => {
    const shardCount = doc.shardCount as number;
    doc.placements = Array.from({ length: shardCount }, (_, shard) => {
      const kind = KINDS[shard % 3] as ShardKind;
      return {
        shard,
        leader: pair.leaderSet,
        replicas: kind === 'local-only' ? [pair.leaderSet] : [pair.leaderSet, pair.followerSet],
        epoch: 1,
        mode: kind === 'sync' ? 'sync' : 'async',
        minInsync: kind === 'sync' ? 1 : 0,
        insyncRule: 'other-region',
      };
    });
    const replication = (doc.replication ?? {}) as Record<string, unknown>;
    doc.replication = { ...replication, durability };
  };
}

function keyOf(kind: ShardKind, shardCount: number): { key: string; shard: number } {
  for (let n = 0; ; n++) {
    const key = `bench-repl-${n}`;
    const shard = shardOf(key, shardCount);
    if (KINDS[shard % 3] === kind) return { key, shard };
  }
}

function putTo(stack: BenchStack, nodeId: string, kind: ShardKind): LoadRequest {
  const { key, shard } = keyOf(kind, stack.stack.view.shardCount);
  return {
    method: 'PUT',
    url: `${stack.stack.url(nodeId)}/state/${shard}/${key}`,
    headers: { 'content-type': 'application/json', [Header.epoch]: '1', ...stack.nodeAuth },
    body: JSON.stringify({ bench: 'replication', payload: 'x'.repeat(64) }),
  };
}

/** Waits until the leader reports its follower in sync on the sync shard (a sync write would get 503 before). */
async function followerInSync(stack: BenchStack, pair: Pair): Promise<void> {
  const { shard } = keyOf('sync', stack.stack.view.shardCount);
  const leader = stack.stack.view.node(pair.leader);
  if (!leader) throw new Error(`no node ${pair.leader}`);
  const deadline = Date.now() + 15000;
  for (;;) {
    const res = await fetch(`${stack.stack.view.node(pair.leader)?.adminUrl}/status`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as
      | { shards: Array<{ shard: number; followers?: Array<{ inSync: boolean }> }> }
      | undefined;
    if (body?.shards.find((s) => s.shard === shard)?.followers?.some((f) => f.inSync)) return;
    if (Date.now() > deadline) throw new Error(`follower ${pair.follower} never got in sync (see ${InternalPath.fetch})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `replication`: what replication and durability cost a write. The same PUT
 * of a small JSON document goes to one write-point on a shard with no
 * replica (`local-only`, the baseline), an async shard and a sync shard with
 * one follower in another region; and the same with group commit off
 * (`durability: fsync`, a second pair of nodes). CPU is charged to leader and follower.
 */
export const replicationBenchmark: Benchmark = {
  name: 'replication',
  description: 'write throughput and latency: local-only vs async vs sync (one remote follower), group commit on vs off',
  configurations: [
    { name: 'local-only', description: 'PUT on a shard with no replica; group commit' },
    { name: 'async', description: 'PUT on an async shard with one follower in another region; group commit' },
    { name: 'sync', description: 'PUT on a sync shard (minInsync 1, other-region) with one remote follower; group commit' },
    { name: 'local-only-fsync', description: 'PUT on a shard with no replica; one synced commit per write' },
    { name: 'sync-fsync', description: 'PUT on the sync shard; one synced commit per write on leader and follower' },
  ],
  baseline: 'local-only',

  async setup(ctx): Promise<BenchSetup> {
    const pair = pickPair(new TopologyView(loadTopologyFile(defaultTopologyPath())));
    const only = (i: { id: string }) => i.id === pair.leader || i.id === pair.follower;
    ctx.log(`replication: leader ${pair.leader}, follower ${pair.follower}; starting a group-commit pair and an fsync pair`);
    const stacks: BenchStack[] = [];
    try {
      for (const durability of ['group', 'fsync'] as const) {
        stacks.push(await startBenchStack({ edit: placeAll(pair, durability), only }));
      }
      const [group, fsync] = stacks as [BenchStack, BenchStack];
      for (const s of stacks) await followerInSync(s, pair);
      const target = (stack: BenchStack, kind: ShardKind): BenchTarget => ({
        request: putTo(stack, pair.leader, kind),
        measured: [
          { name: 'leader', pid: stack.pidOf(pair.leader) },
          { name: 'follower', pid: stack.pidOf(pair.follower) },
        ],
      });
      const targets = {
        'local-only': target(group, 'local-only'),
        async: target(group, 'async'),
        sync: target(group, 'sync'),
        'local-only-fsync': target(fsync, 'local-only'),
        'sync-fsync': target(fsync, 'sync'),
      };
      for (const [name, t] of Object.entries(targets)) await expect2xx(`a first ${name} write`, t.request);
      return {
        targets,
        details: { leader: pair.leader, follower: pair.follower, shards: Object.fromEntries(KINDS.map((k) => [k, keyOf(k, group.stack.view.shardCount)])) },
        stop: async () => {
          await Promise.all(stacks.map((s) => s.stop()));
        },
      };
    } catch (err) {
      await Promise.all(stacks.map((s) => s.stop()));
      throw err;
    }
  },
};
