import type { LoadedTopology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';

/** Regions, sets, nodes, shards and leaders at a glance: what `setgate status` prints. */
export function statusOf(t: LoadedTopology) {
  const view = new TopologyView(t);
  const leadersOf = (set: string) => t.placements.filter((p) => p.leader === set).length;
  return {
    version: t.version,
    failover: { paused: t.failover.paused },
    regions: t.regions.map((r) => {
      const sets = t.sets.filter((s) => s.region === r.name);
      return {
        name: r.name,
        drained: r.drained,
        sets: sets.map((s) => s.name),
        leaders: sets.reduce((n, s) => n + leadersOf(s.name), 0),
        nearest: view.regionsByDistance(r.name).slice(1),
      };
    }),
    sets: t.sets.map((s) => ({
      name: s.name,
      region: s.region,
      drained: s.drained,
      nodes: s.nodes.map((n) => n.id),
      leaders: leadersOf(s.name),
      replicas: t.placements.filter((p) => p.replicas.includes(s.name)).length,
    })),
    nodes: view.allNodes().map((n) => ({ id: n.id, set: n.set, region: n.region, url: n.url, adminUrl: n.adminUrl })),
    shards: t.placements.map((p) => ({
      shard: p.shard,
      leader: p.leader,
      writePoint: view.writePoint(p.shard).id,
      epoch: p.epoch,
      mode: p.mode,
      replicas: p.replicas,
    })),
  };
}

export type StatusView = ReturnType<typeof statusOf>;
