import type { LoadedTopology, PlacementDef, Topology } from '@setgate/config';
import { ControlPlaneErrors } from '../errors.js';

/** One leadership change a planned switchover carries out. */
export interface LeaderMove {
  readonly shard: number;
  readonly fromSet: string;
  readonly toSet: string;
  /** Epoch in force now; the new leader starts at epoch + 1. */
  readonly epoch: number;
}

const refuse = (detail: string) => ControlPlaneErrors.create('SETGATE_CP_OPERATION_REFUSED', { detail });

/** A mutable copy of a validated document, to derive the next version from. */
export function editable(t: LoadedTopology): Topology {
  return structuredClone(t) as Topology;
}

/** Sets whose leaders must not lead: drained sets and every set of a drained region. */
function unavailableSets(t: Topology): Set<string> {
  const drainedRegions = new Set(t.regions.filter((r) => r.drained).map((r) => r.name));
  return new Set(t.sets.filter((s) => s.drained || drainedRegions.has(s.region)).map((s) => s.name));
}

/** Checks that `toSet` can take over `shard` and describes the move. */
export function planShardMove(t: LoadedTopology, shard: number, toSet: string): LeaderMove {
  const p = t.placements.find((x) => x.shard === shard);
  if (!p) throw refuse(`shard ${shard} does not exist (shardCount ${t.shardCount})`);
  if (!t.sets.some((s) => s.name === toSet)) throw refuse(`set "${toSet}" does not exist`);
  if (p.leader === toSet) throw refuse(`set "${toSet}" already leads shard ${shard}`);
  // Only a replica holds the shard's log; moving elsewhere needs a copy first, which is not a switchover.
  if (!p.replicas.includes(toSet)) {
    throw refuse(`set "${toSet}" holds no replica of shard ${shard} (replicas: ${p.replicas.join(', ')}); add it as a replica first`);
  }
  if (unavailableSets(editable(t)).has(toSet)) throw refuse(`set "${toSet}" is drained (or in a drained region)`);
  return { shard, fromSet: p.leader, toSet, epoch: p.epoch };
}

/**
 * Marks a region or set drained and picks a new leader for every shard it
 * leads: the replica set nearest (by RTT) to the old leader's region that is
 * not drained, ties broken by who leads fewest shards so load stays spread.
 */
export function planDrain(t: LoadedTopology, target: 'region' | 'set', name: string): { document: Topology; moves: LeaderMove[] } {
  const doc = editable(t);
  const item = target === 'region' ? doc.regions.find((r) => r.name === name) : doc.sets.find((s) => s.name === name);
  if (!item) throw refuse(`${target} "${name}" does not exist`);
  if (item.drained) throw refuse(`${target} "${name}" is already drained`);
  item.drained = true;
  const unavailable = unavailableSets(doc);
  const regionOf = new Map(doc.sets.map((s) => [s.name, s.region]));
  const rtt = (a: string, b: string) =>
    a === b ? 0 : (doc.rtt.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))?.ms ?? Number.POSITIVE_INFINITY);
  const leads = new Map<string, number>();
  for (const p of doc.placements) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  const moves: LeaderMove[] = [];
  const stuck: number[] = [];
  for (const p of doc.placements) {
    if (!unavailable.has(p.leader)) continue;
    const from = regionOf.get(p.leader) ?? '';
    const candidates = p.replicas
      .filter((s) => !unavailable.has(s))
      .sort((a, b) => rtt(from, regionOf.get(a) ?? '') - rtt(from, regionOf.get(b) ?? '') || (leads.get(a) ?? 0) - (leads.get(b) ?? 0) || a.localeCompare(b));
    const to = candidates[0];
    if (!to) {
      stuck.push(p.shard);
      continue;
    }
    moves.push({ shard: p.shard, fromSet: p.leader, toSet: to, epoch: p.epoch });
    leads.set(to, (leads.get(to) ?? 0) + 1);
    leads.set(p.leader, (leads.get(p.leader) ?? 1) - 1);
  }
  if (stuck.length > 0) throw refuse(`shard(s) ${stuck.join(', ')} have no replica outside the drained ${target} to lead them`);
  applyMoves(doc, moves);
  return { document: doc, moves };
}

/** Clears a drain flag; leaders stay where the drain moved them (move them back with shard moves). */
export function planUndrain(t: LoadedTopology, target: 'region' | 'set', name: string): Topology {
  const doc = editable(t);
  const item = target === 'region' ? doc.regions.find((r) => r.name === name) : doc.sets.find((s) => s.name === name);
  if (!item) throw refuse(`${target} "${name}" does not exist`);
  if (!item.drained) throw refuse(`${target} "${name}" is not drained`);
  item.drained = false;
  return doc;
}

/** Sets the failover controller's pause flag. */
export function planFailoverPause(t: LoadedTopology, paused: boolean): Topology {
  if (t.failover.paused === paused) throw refuse(`automated failover is already ${paused ? 'paused' : 'running'}`);
  const doc = editable(t);
  doc.failover.paused = paused;
  return doc;
}

/** Writes the moves into `doc`: new leader set (its first node), epoch + 1. */
export function applyMoves(doc: Topology, moves: readonly LeaderMove[]): Topology {
  const byShard = new Map<number, PlacementDef>(doc.placements.map((p) => [p.shard, p]));
  for (const m of moves) {
    const p = byShard.get(m.shard);
    if (!p) continue;
    p.leader = m.toSet;
    delete p.leaderNode;
    p.epoch = m.epoch + 1;
  }
  return doc;
}
