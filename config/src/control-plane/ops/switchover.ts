import { comparePositions, type FenceResponse, type LogPosition } from '@setgate/contracts';
import type { LoadedTopology, Topology } from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import type { ConfigService } from '../config-service.js';
import { ControlPlaneErrors } from '../errors.js';
import type { ChangeAction, VersionRecord } from '../store/config-store.js';
import { applyMoves, editable, type LeaderMove } from './placement-plan.js';
import type { ReplicationControl } from './replication-control.js';

/** What a planned switchover did for one shard. */
export interface ShardSwitch {
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  readonly epoch: number;
  /** Where the old leader's log ended when fenced: every acknowledged write is at or before it. */
  readonly fencedAt: LogPosition;
  readonly catchUpMs: number;
  /** From the fence until the new leader had the new version: writes to the shard were refused meanwhile. */
  readonly writePauseMs: number;
}

export interface SwitchoverReport {
  readonly version: number;
  readonly shards: readonly ShardSwitch[];
  readonly maxWritePauseMs: number;
}

export interface SwitchoverOptions {
  readonly service: ConfigService;
  readonly control: ReplicationControl;
  readonly moves: readonly LeaderMove[];
  /** The document to publish, rebuilt from the then-current version (drain flags etc.); the moves are added to it. */
  readonly edit: (current: LoadedTopology) => Topology;
  readonly author: string;
  readonly reason: string;
  readonly action: ChangeAction;
  readonly catchUpTimeoutMs?: number;
  readonly pollMs?: number;
  readonly progress?: (message: string) => void;
}

const failed = (detail: string, cause?: unknown) =>
  ControlPlaneErrors.create('SETGATE_CP_SWITCHOVER_FAILED', { detail, cause });

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A planned switchover, no acknowledged write lost: fence each old leader
 * (it refuses writes at the current epoch and says where its log ends), wait
 * until the new leader's replica holds that position, then publish one version
 * with the new leaders at epoch + 1 and hand it to the new leaders first. If a
 * target does not catch up in time, the old leaders are re-confirmed at
 * epoch + 1 instead (which lifts their fence) and the operation fails.
 */
export async function runSwitchover(opts: SwitchoverOptions): Promise<SwitchoverReport> {
  const { service, control, moves } = opts;
  const say = opts.progress ?? (() => undefined);
  const timeoutMs = opts.catchUpTimeoutMs ?? 10000;
  const pollMs = opts.pollMs ?? 20;
  const start = await service.current();
  const view = new TopologyView(start.topology);
  const plan = moves.map((m) => ({ move: m, from: view.writePoint(m.shard), to: view.nodesOfSet(m.toSet)[0] }));
  for (const p of plan) if (!p.to) throw failed(`set ${p.move.toSet} has no node`);

  say(`fencing ${plan.length} leader(s) at their current epoch`);
  const fencedAtMs = new Map<number, number>();
  const fences = new Map<number, FenceResponse>();
  try {
    await mapLimit(plan, 8, async (p) => {
      fencedAtMs.set(p.move.shard, performance.now());
      fences.set(p.move.shard, await control.fence(p.from, p.move.shard, p.move.epoch));
    });
  } catch (err) {
    await reconfirm(opts, [...fences.keys()], say);
    throw failed(`fencing failed: ${(err as Error).message}`, err);
  }

  say('waiting for the new leaders to catch up');
  const catchUp = new Map<number, number>();
  try {
    await mapLimit(plan, 8, async (p) => {
      const target = (fences.get(p.move.shard) as FenceResponse).position;
      const began = performance.now();
      for (;;) {
        const at = await control.position(p.to as NonNullable<typeof p.to>, p.move.shard);
        // An empty log (lsn 0) is caught up whatever epoch each side reports for it.
        if (target.lsn === 0 || comparePositions(at, target) >= 0) break;
        if (performance.now() - began > timeoutMs) {
          throw new Error(`shard ${p.move.shard}: ${p.to?.id} at ${at.epoch}:${at.lsn}, leader ended at ${target.epoch}:${target.lsn}`);
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
      catchUp.set(p.move.shard, performance.now() - began);
    });
  } catch (err) {
    await reconfirm(opts, plan.map((p) => p.move.shard), say);
    throw failed(`catch-up did not finish within ${timeoutMs} ms: ${(err as Error).message}`, err);
  }

  say('publishing the new leaders at epoch + 1');
  const record = await publish(opts, (cur) => applyMoves(opts.edit(cur), moves));
  const published = (await service.current()).topology;
  const newView = new TopologyView(published);
  const pauses = new Map<number, number>();
  await mapLimit(plan, 8, async (p) => {
    await control.installTopology(newView.writePoint(p.move.shard), published).catch(() => undefined);
    pauses.set(p.move.shard, performance.now() - (fencedAtMs.get(p.move.shard) ?? 0));
  });
  // The other replicas learn it here or through their watch; a failure is not the operation's.
  const others = new Set(plan.flatMap((p) => newView.replicaNodes(p.move.shard)).filter((n) => !plan.some((p) => p.to?.id === n.id)));
  await mapLimit([...others], 8, (n) => control.installTopology(n, published).catch(() => undefined));

  const shards = plan.map((p): ShardSwitch => ({
    shard: p.move.shard,
    fromNode: p.from.id,
    toNode: p.to?.id ?? '',
    epoch: p.move.epoch + 1,
    fencedAt: (fences.get(p.move.shard) as FenceResponse).position,
    catchUpMs: catchUp.get(p.move.shard) ?? 0,
    writePauseMs: pauses.get(p.move.shard) ?? 0,
  }));
  say(`version ${record.version} live; longest write pause ${Math.max(0, ...shards.map((s) => s.writePauseMs)).toFixed(1)} ms`);
  return { version: record.version, shards, maxWritePauseMs: Math.max(0, ...shards.map((s) => s.writePauseMs)) };
}

/** Applies `build(current)`, rebasing on the newest version if someone else changed the config meanwhile. */
async function publish(opts: SwitchoverOptions, build: (cur: LoadedTopology) => Topology): Promise<VersionRecord> {
  for (let attempt = 0; ; attempt++) {
    const cur = await opts.service.current();
    for (const m of opts.moves) {
      const p = cur.topology.placements.find((x) => x.shard === m.shard);
      if (!p || p.leader !== m.fromSet || p.epoch !== m.epoch) {
        throw failed(`shard ${m.shard} changed leader or epoch while it was being switched over`);
      }
    }
    try {
      const { record } = await opts.service.apply({
        document: build(cur.topology),
        baseVersion: cur.record.version,
        author: opts.author,
        reason: opts.reason,
        action: opts.action,
      });
      return record;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SETGATE_CP_VERSION_CONFLICT' || attempt >= 3) throw err;
    }
  }
}

/** Abort path: the old leaders stay, at epoch + 1, which lifts their fence. */
async function reconfirm(opts: SwitchoverOptions, shards: readonly number[], say: (m: string) => void): Promise<void> {
  if (shards.length === 0) return;
  say(`aborting: re-confirming the old leaders of shard(s) ${shards.join(', ')} at epoch + 1`);
  const stay = opts.moves.filter((m) => shards.includes(m.shard)).map((m) => ({ ...m, toSet: m.fromSet }));
  await publish(
    { ...opts, moves: stay, reason: `abort of: ${opts.reason}` },
    (cur) => applyMoves(editable(cur), stay),
  ).catch(() => undefined);
}
