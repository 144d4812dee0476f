import type { LoadedTopology } from '../load.js';
import { type Change, diffDocuments } from './structural-diff.js';

/** How one shard's placement changes. */
export interface ShardImpact {
  readonly shard: number;
  readonly leader?: { readonly from: string; readonly to: string };
  readonly leaderNode?: { readonly from: string | null; readonly to: string | null };
  readonly epoch?: { readonly from: number; readonly to: number };
  readonly replicasAdded: readonly string[];
  readonly replicasRemoved: readonly string[];
}

/** A region or set that appears, disappears, or changes drain state. */
export interface StateImpact {
  readonly name: string;
  readonly change: 'added' | 'removed' | 'drained' | 'undrained';
}

/** What a change does to traffic: the dry-run report an operator reads before applying. */
export interface Impact {
  readonly shards: readonly ShardImpact[];
  readonly commands: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly changed: readonly string[] };
  readonly regions: readonly StateImpact[];
  readonly sets: readonly StateImpact[];
  readonly failover?: { readonly pausedFrom: boolean; readonly pausedTo: boolean };
  /** Top-level sections with any change (`placements`, `commands`, `auth`…). */
  readonly sections: readonly string[];
}

/** A document's diff and impact against another, `version` ignored. */
export interface Comparison {
  readonly changes: readonly Change[];
  readonly impact: Impact;
}

/** Compares two validated documents; the version field is not a change. */
export function compareTopologies(before: LoadedTopology, after: LoadedTopology): Comparison {
  const changes = diffDocuments({ ...before, version: 0 }, { ...after, version: 0 });
  const sections = [...new Set(changes.map((c) => c.path.split('/')[1] ?? ''))].filter(Boolean).sort();
  return {
    changes,
    impact: {
      shards: shardImpacts(before, after),
      commands: commandImpact(before, after),
      regions: stateImpacts(before.regions, after.regions),
      sets: stateImpacts(before.sets, after.sets),
      ...(before.failover.paused !== after.failover.paused
        ? { failover: { pausedFrom: before.failover.paused, pausedTo: after.failover.paused } }
        : {}),
      sections,
    },
  };
}

function shardImpacts(before: LoadedTopology, after: LoadedTopology): ShardImpact[] {
  const old = new Map(before.placements.map((p) => [p.shard, p]));
  const out: ShardImpact[] = [];
  for (const p of after.placements) {
    const q = old.get(p.shard);
    const from = new Set(q?.replicas ?? []);
    const to = new Set(p.replicas);
    const impact: ShardImpact = {
      shard: p.shard,
      ...(q && q.leader !== p.leader ? { leader: { from: q.leader, to: p.leader } } : {}),
      ...(q && q.leader === p.leader && (q.leaderNode ?? null) !== (p.leaderNode ?? null)
        ? { leaderNode: { from: q.leaderNode ?? null, to: p.leaderNode ?? null } }
        : {}),
      ...(q && q.epoch !== p.epoch ? { epoch: { from: q.epoch, to: p.epoch } } : {}),
      replicasAdded: [...to].filter((s) => !from.has(s)),
      replicasRemoved: [...from].filter((s) => !to.has(s)),
    };
    const changed =
      !q || impact.leader || impact.leaderNode || impact.epoch || impact.replicasAdded.length || impact.replicasRemoved.length;
    if (changed) out.push(impact);
  }
  return out;
}

function commandImpact(before: LoadedTopology, after: LoadedTopology): Impact['commands'] {
  const old = new Map(before.commands.map((c) => [c.name, JSON.stringify(c)]));
  const now = new Map(after.commands.map((c) => [c.name, JSON.stringify(c)]));
  return {
    added: [...now.keys()].filter((n) => !old.has(n)),
    removed: [...old.keys()].filter((n) => !now.has(n)),
    changed: [...now].filter(([n, json]) => old.has(n) && old.get(n) !== json).map(([n]) => n),
  };
}

function stateImpacts(
  before: readonly { name: string; drained: boolean }[],
  after: readonly { name: string; drained: boolean }[],
): StateImpact[] {
  const old = new Map(before.map((x) => [x.name, x.drained]));
  const now = new Map(after.map((x) => [x.name, x.drained]));
  const out: StateImpact[] = [];
  for (const [name, drained] of now) {
    if (!old.has(name)) out.push({ name, change: 'added' });
    else if (old.get(name) !== drained) out.push({ name, change: drained ? 'drained' : 'undrained' });
  }
  for (const name of old.keys()) if (!now.has(name)) out.push({ name, change: 'removed' });
  return out;
}
