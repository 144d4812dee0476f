import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { signDevToken } from '@setgate/launcher';
import { type NodeRef, TopologyView } from '@setgate/topology';
import type { Benchmark, BenchSetup, BenchTarget, LoadRequest } from '../benchmark.js';
import { expect2xx } from '../preflight.js';
import { type BenchStack, startBenchStack } from '../stack.js';
import { firstKeyWhere, firstRegionPath, keepOneGatewayIn, type PlacedKey } from './key-placement.js';

/** Each row prices one request's latency: one request at a time, so none queues behind another. */
const LATENCY_CONNECTIONS = 1;

/** A key with its shard's followers (every replica node but the write-point). */
interface WanKey extends PlacedKey {
  readonly followers: readonly NodeRef[];
}

function withFollowers(view: TopologyView, k: PlacedKey): WanKey {
  return { ...k, followers: view.replicaNodes(k.shard).filter((r) => r.id !== k.writePoint.id) };
}

/**
 * What a sync write must wait for: the `minInsync`-th nearest follower's
 * RTT from the write-point's region (the nearest in-sync replica for 1).
 */
function syncWaitMs(view: TopologyView, k: WanKey): { ms: number; region: string } {
  const p = view.placement(k.shard);
  if (p.mode !== 'sync') throw new Error(`shard ${k.shard} is ${p.mode}: the write row needs a sync shard`);
  const byRtt = [...k.followers].sort((a, b) => view.rtt(k.writePoint.region, a.region) - view.rtt(k.writePoint.region, b.region));
  const nth = byRtt[Math.max(1, p.minInsync) - 1];
  if (!nth) throw new Error(`shard ${k.shard} has fewer followers than minInsync ${p.minInsync}`);
  return { ms: view.rtt(k.writePoint.region, nth.region), region: nth.region };
}

function servedBy(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const node = headers['x-setgate-node'];
  return Array.isArray(node) ? (node[0] ?? '') : (node ?? '');
}

/**
 * `wan`: what the WAN costs a request, priced against its RTT. The same three
 * requests go through one region's regional proxy and gateway on two stacks
 * started side by side, one with WAN emulation and one without: a sync write
 * led from that region (it must wait one RTT, to its nearest in-sync replica),
 * a bounded read of a key led from the farthest region (served by the
 * region's own replica: nothing to add), and an exact read of that key
 * (served by its far write-point: one RTT to it). Rows run one request at a
 * time so the p50 is a request's latency, not a queue's.
 */
export const wanBenchmark: Benchmark = {
  name: 'wan',
  description: 'sync write, bounded read and write-point read through one region, WAN emulation on against off',
  configurations: [
    { name: 'write', description: 'PUT /v1/profile (sync shard led from the region) through its proxy and gateway, WAN off' },
    { name: 'write-wan', description: 'the same write with WAN emulation: must add the RTT to the nearest in-sync replica' },
    { name: 'bounded-read', description: 'GET /v1/profile (max staleness 5 s) of a key led from the farthest region, WAN off' },
    { name: 'bounded-read-wan', description: 'the same read with WAN emulation: served by the region\'s own replica, must add ~0' },
    { name: 'leader-read', description: 'GET /v1/cart (staleness 0: the write-point only) of that far-led key, WAN off' },
    { name: 'leader-read-wan', description: 'the same exact read with WAN emulation: must add the RTT to the far write-point' },
  ],
  baseline: 'write',

  async setup(ctx): Promise<BenchSetup> {
    const source = new TopologyView(loadTopologyFile(defaultTopologyPath()));
    const { region, proxyId, gatewayId } = firstRegionPath(source);
    const far = [...source.regionsByDistance(region)].pop() ?? region;
    const writeKey = withFollowers(
      source,
      firstKeyWhere(source, 'bench-wan-write-', (k) => k.writePoint.region === region && source.placement(k.shard).mode === 'sync', `leads a sync shard from ${region}`),
    );
    const readKey = withFollowers(
      source,
      firstKeyWhere(
        source,
        'bench-wan-read-',
        (k) => withFollowers(source, k).followers.some((f) => f.region === region && k.writePoint.region === far),
        `is led from ${far} with a replica in ${region}`,
      ),
    );
    const wait = syncWaitMs(source, writeKey);
    const nodes = new Set(source.allNodes().map((n) => n.id));
    const only = (i: { id: string }) => i.id === proxyId || i.id === gatewayId || nodes.has(i.id);
    ctx.log(`wan: region ${region}, write key ${writeKey.key} (shard ${writeKey.shard}), read key ${readKey.key} (shard ${readKey.shard}, led from ${far})`);

    const stacks: BenchStack[] = [];
    const stopAll = async () => {
      for (const s of stacks.splice(0)) await s.stop();
    };
    try {
      for (const wan of [false, true]) {
        ctx.log(`wan: starting the stack with WAN emulation ${wan ? 'on' : 'off'}`);
        stacks.push(await startBenchStack({ edit: (doc) => keepOneGatewayIn(doc, region, gatewayId), only, ...(wan ? { wan: true } : {}) }));
      }
      const [off, on] = stacks as [BenchStack, BenchStack];
      const view = on.stack.view;
      const writeToken = await signDevToken(on.stack.topology, { sub: writeKey.key });
      const readToken = await signDevToken(on.stack.topology, { sub: readKey.key });
      const requests = (b: BenchStack) => {
        const proxy = b.stack.url(proxyId);
        const write: LoadRequest = {
          method: 'PUT',
          url: `${proxy}/v1/profile`,
          headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'WAN Bench' }),
        };
        const read = (path: string): LoadRequest => ({ method: 'GET', url: `${proxy}${path}`, headers: { authorization: `Bearer ${readToken}` } });
        return { write, boundedRead: read('/v1/profile'), leaderRead: read('/v1/cart') };
      };
      const measured = (b: BenchStack, node: string) => [
        { name: 'regional-proxy', pid: b.pidOf(proxyId) },
        { name: 'gateway', pid: b.pidOf(gatewayId) },
        { name: 'set-runtime', pid: b.pidOf(node) },
      ];

      // The profile must exist before it is read; who serves the bounded read is checked, not assumed.
      const served: Record<string, string> = {};
      for (const [name, b] of [['off', off], ['on', on]] as const) {
        const r = requests(b);
        await expect2xx(`seeding ${readKey.key}'s profile (WAN ${name})`, {
          ...r.write,
          headers: { ...r.write.headers, authorization: `Bearer ${readToken}` },
        });
        await expect2xx(`seeding ${writeKey.key}'s profile (WAN ${name})`, r.write);
        served[`bounded-read (WAN ${name})`] = servedBy((await expect2xx(`bounded read (WAN ${name})`, r.boundedRead)).headers);
        served[`leader-read (WAN ${name})`] = servedBy((await expect2xx(`leader read (WAN ${name})`, r.leaderRead)).headers);
      }
      ctx.log(`wan: served by ${Object.entries(served).map(([k, v]) => `${k}: ${v || '?'}`).join(', ')}`);
      const localReplica = readKey.followers.find((f) => f.region === region)?.id ?? '';
      const row = (request: LoadRequest, node: string, b: BenchStack, extra: Partial<BenchTarget> = {}): BenchTarget => ({
        request,
        measured: measured(b, node),
        connections: LATENCY_CONNECTIONS,
        ...extra,
      });
      const offR = requests(off);
      const onR = requests(on);
      const farRtt = view.rtt(region, far);
      return {
        targets: {
          write: row(offR.write, writeKey.writePoint.id, off),
          'write-wan': row(onR.write, writeKey.writePoint.id, on, {
            expect: { over: 'write', addsMs: wait.ms, why: `RTT ${region} ↔ ${wait.region}, nearest in-sync replica` },
          }),
          'bounded-read': row(offR.boundedRead, localReplica, off),
          'bounded-read-wan': row(onR.boundedRead, localReplica, on, {
            expect: { over: 'bounded-read', addsMs: 0, why: `served in ${region}` },
          }),
          'leader-read': row(offR.leaderRead, readKey.writePoint.id, off),
          'leader-read-wan': row(onR.leaderRead, readKey.writePoint.id, on, {
            expect: { over: 'leader-read', addsMs: farRtt, why: `RTT ${region} ↔ ${far}, the write-point` },
          }),
        },
        details: {
          region,
          far,
          writeKey: { key: writeKey.key, shard: writeKey.shard, writePoint: writeKey.writePoint.id, minInsync: view.placement(writeKey.shard).minInsync },
          readKey: { key: readKey.key, shard: readKey.shard, writePoint: readKey.writePoint.id, localReplica },
          servedBy: served,
          rtt: on.stack.topology.rtt,
          instances: { regionalProxy: proxyId, gateway: gatewayId },
        },
        stop: stopAll,
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
