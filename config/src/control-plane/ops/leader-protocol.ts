import type { AdminRoleName, Comparison, LoadedTopology, Topology } from '@setgate/config';
import { comparePositions, type FenceResponse, formatPosition, type LogPosition } from '@setgate/contracts';
import { type NodeRef, TopologyView } from '@setgate/topology';
import { type ConfigService, invalidDocument, versionConflict } from '../config-service.js';
import { ControlPlaneErrors } from '../errors.js';
import type { ChangeAction, LeaderChangeAudit, VersionRecord } from '../store/config-store.js';
import { editable } from './placement-plan.js';
import type { ReplicationControl } from './replication-control.js';
import {
  type LeaderChangeEvidence,
  type LeaderChangePlan,
  type LeaderChangeVerdict,
  entriesBehind,
  judgeLeaderChange,
  leaderChangesBetween,
} from './leader-verdict.js';

/** What the protocol did for one shard. */
export interface ShardSwitch extends LeaderChangeAudit {
  /** Where the old leader's log ended when fenced: every acknowledged write is at or before it (absent: not fenced). */
  readonly fencedAt?: LogPosition;
  readonly catchUpMs: number;
  /** From the fence until the new leader had the new version: writes to the shard were refused meanwhile. */
  readonly writePauseMs: number;
}

/** The outcome of a leader change: the version published and each shard's facts. */
export interface SwitchoverReport {
  readonly version: number;
  readonly shards: readonly ShardSwitch[];
  readonly maxWritePauseMs: number;
  /** True when an operator forced at least one unclean change. */
  readonly forced: boolean;
}

export interface LeaderChangeOptions {
  readonly service: ConfigService;
  /** Absent: leaders cannot be fenced from here; a change of leaders is then refused (or, forced, done unfenced). */
  readonly control?: ReplicationControl;
  /** The document to publish, rebuilt from the then-current version. Its write-point changes are what the protocol carries out. */
  readonly build: (current: LoadedTopology) => Topology | Promise<Topology>;
  readonly author: string;
  /** The author's role, audited with the version. */
  readonly role?: AdminRoleName;
  readonly reason: string;
  readonly action: ChangeAction;
  /** The version the caller edited (apply, rollback): refused with 409 if the config moved on. Absent: rebased (moves, drains). */
  readonly baseVersion?: number;
  /** The operator's explicit choice to promote a replica that may lack acknowledged writes (`--force-unclean`). */
  readonly force?: boolean;
  /** Called with the diff before anything is fenced; throws to refuse (a role too low for the sections touched). */
  readonly guard?: (comparison: Comparison) => void;
  readonly catchUpTimeoutMs?: number;
  readonly pollMs?: number;
  readonly progress?: (message: string) => void;
}

/** The result for apply and rollback: the record and diff, plus the leader changes when there were any. */
export interface LeaderChangeResult {
  readonly record: VersionRecord;
  readonly comparison: Comparison;
  readonly report?: SwitchoverReport;
}

/** One shard that cannot change leader cleanly, as the 409 lists it. */
export interface ShardRefusal {
  readonly shard: number;
  readonly fromNode: string;
  readonly toNode: string;
  readonly code: string;
  readonly reason: string;
  readonly mayBeLost?: number;
}

const refused = (shards: readonly ShardRefusal[], reconfirmed?: number) =>
  ControlPlaneErrors.create('SETGATE_CP_LEADER_CHANGE_REFUSED', {
    detail:
      `${shards.length} shard(s) cannot change leader without risking acknowledged writes: ${shards.map((s) => s.reason).join('; ')}. ` +
      (reconfirmed === undefined
        ? 'Nothing was published. '
        : `The fenced old leaders were re-confirmed at epoch + 1 (version ${reconfirmed}), which lifts their fence; the leaders stay. `) +
      'Retry once the new leaders have caught up, or force it with --force-unclean (audited, reports what may be lost).',
    extensions: { shards, ...(reconfirmed === undefined ? {} : { currentVersion: reconfirmed }) },
  });

/** An empty log (lsn 0) is caught up whatever epoch each side reports for it. */
const holds = (at: LogPosition, goal: LogPosition) => goal.lsn === 0 || comparePositions(at, goal) >= 0;

const failed = (detail: string, cause?: unknown) => ControlPlaneErrors.create('SETGATE_CP_SWITCHOVER_FAILED', { detail, cause });

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

interface ShardRun {
  readonly plan: LeaderChangePlan;
  readonly from: NodeRef;
  readonly to: NodeRef;
  fence?: FenceResponse;
  fencedAtMs?: number;
  target?: LogPosition;
  targetAnswered: boolean;
  catchUpMs: number;
  verdict?: LeaderChangeVerdict;
}

/**
 * THE leader-change protocol. Every path that changes a shard's write-point
 * (apply, rollback, shard move, drain; failover applies the same rule in
 * failover/decide.ts to a leader it cannot reach) goes through it:
 *
 * 1. refuse early, before fencing anything, when a new leader does not answer
 *    where it stands (unless forced);
 * 2. fence each old leader at its epoch (it stops acknowledging and says where
 *    its log ends: every acknowledged write is at or before that position);
 * 3. wait, bounded, until each new leader holds that position;
 * 4. judge each shard (leader-verdict.ts). Any shard short of it: the fences
 *    are lifted by re-confirming the old leaders at epoch + 1 and the change is
 *    refused with 409 SETGATE_CP_LEADER_CHANGE_REFUSED listing each shard and
 *    why, unless the operator forced it;
 * 5. publish ONE version with the new leaders at epoch + 1, audited per shard
 *    (positions, clean or forced, how many acknowledged entries may be lost),
 *    and hand it to the new leaders first.
 */
export async function runLeaderChange(opts: LeaderChangeOptions): Promise<LeaderChangeResult> {
  const { service } = opts;
  const say = opts.progress ?? (() => undefined);
  const start = await service.current();
  if (opts.baseVersion !== undefined && opts.baseVersion !== start.record.version) throw versionConflict(opts.baseVersion, start.record.version);
  const dry = await service.dryRun(await opts.build(start.topology));
  if (!dry.ok) throw invalidDocument(dry.problems);
  opts.guard?.(dry.comparison);
  const plans = leaderChangesBetween(start.topology, dry.topology);
  if (plans.length === 0) {
    const { record, comparison } = await service.apply({
      document: await opts.build(start.topology),
      baseVersion: start.record.version,
      author: opts.author,
      ...(opts.role ? { role: opts.role } : {}),
      reason: opts.reason,
      action: opts.action,
      ...(opts.guard ? { guard: opts.guard } : {}),
    });
    return { record, comparison };
  }
  const view = new TopologyView(start.topology);
  const nextView = new TopologyView(dry.topology);
  const runs: ShardRun[] = plans.map((plan) => ({
    plan,
    from: view.node(plan.fromNode) as NodeRef,
    to: nextView.node(plan.toNode) as NodeRef,
    targetAnswered: false,
    catchUpMs: 0,
  }));
  const control = opts.control;
  if (!control && !opts.force) {
    throw ControlPlaneErrors.create('SETGATE_CP_SWITCHOVER_UNAVAILABLE', {
      detail: `this control plane has no way to fence nodes, so it cannot move the leaders of shard(s) ${plans.map((p) => p.shard).join(', ')}`,
    });
  }
  const timeoutMs = opts.catchUpTimeoutMs ?? 10000;
  const pollMs = opts.pollMs ?? 20;
  const positionOf = async (n: NodeRef, shard: number) => (control ? control.position(n, shard).catch(() => undefined) : undefined);

  await precheck(runs, control, opts.force === true, { positionOf, timeoutMs, pollMs, say });

  // 2. Fence every reachable old leader at its current epoch.
  if (control) {
    say(`fencing ${runs.length} leader(s) at their current epoch`);
    await mapLimit(runs, 8, async (r) => {
      r.fencedAtMs = performance.now();
      // A fence is idempotent: retried until answered or the catch-up time is up (a slow answer on a busy machine is not a dead leader).
      while (!r.fence && performance.now() - r.fencedAtMs <= timeoutMs) {
        r.fence = await control.fence(r.from, r.plan.shard, r.plan.epoch).catch(() => undefined);
        if (!r.fence) await new Promise((res) => setTimeout(res, pollMs));
      }
    });
  }
  const unfenced = runs.filter((r) => !r.fence);
  if (unfenced.length > 0 && !opts.force) {
    const v = await reconfirm(opts, runs.filter((r) => r.fencedAtMs !== undefined), say);
    throw refused(unfenced.map((r) => refusalOf({ ...r, verdict: judge(r) })), v);
  }

  // 3. Wait (bounded) for each new leader to reach the fenced position; what the old leader saw stands in for a silent one.
  say('waiting for the new leaders to catch up');
  await mapLimit(runs, 8, async (r) => {
    if (!r.fence) return;
    if (!r.targetAnswered) {
      // Forced past a silent new leader: the old leader's view of it is the best figure there is.
      const acks = await control?.followerAcks?.(r.from, r.plan.shard).catch(() => undefined);
      const lsn = acks?.get(r.plan.toNode);
      if (lsn !== undefined) r.target = { epoch: r.plan.epoch, lsn };
      return;
    }
    await catchUp(r, r.fence.position, positionOf, timeoutMs, pollMs);
  });

  // 4. Judge; refuse (lifting the fences) unless forced.
  for (const r of runs) r.verdict = judge(r);
  const unclean = runs.filter((r) => r.verdict?.kind === 'unclean');
  if (unclean.length > 0 && !opts.force) {
    const v = await reconfirm(opts, runs.filter((r) => r.fencedAtMs !== undefined), say);
    throw refused(unclean.map(refusalOf), v);
  }
  if (unclean.length > 0) say(`forced: ${unclean.length} shard(s) change leader uncleanly (${unclean.map((r) => r.plan.shard).join(', ')})`);

  // 5. Publish the new leaders at epoch + 1, audited; the new leaders get it first.
  say('publishing the new leaders at epoch + 1');
  const audits = runs.map((r) => auditOf(r, opts.force === true));
  let published: { record: VersionRecord; comparison: Comparison };
  try {
    published = await publish(opts, runs, audits, start.record.version);
  } catch (err) {
    await reconfirm(opts, runs.filter((r) => r.fencedAtMs !== undefined), say);
    throw err;
  }
  const { record, comparison } = published;
  const live = (await service.current()).topology;
  const pauses = control ? await install(control, runs, live) : new Map<number, number>();
  const shards = runs.map(
    (r, i): ShardSwitch => ({
      ...(audits[i] as LeaderChangeAudit),
      ...(r.fence ? { fencedAt: r.fence.position } : {}),
      catchUpMs: r.catchUpMs,
      writePauseMs: pauses.get(r.plan.shard) ?? 0,
    }),
  );
  const maxWritePauseMs = Math.max(0, ...shards.map((s) => s.writePauseMs));
  say(`version ${record.version} live; longest write pause ${maxWritePauseMs.toFixed(1)} ms`);
  return { record, comparison, report: { version: record.version, shards, maxWritePauseMs, forced: unclean.length > 0 } };
}

/** Steps 1 and 1b of the protocol: refuses, before any fence, new leaders that do not answer or do not catch up. */
async function precheck(
  runs: readonly ShardRun[],
  control: ReplicationControl | undefined,
  force: boolean,
  t: {
    positionOf: (n: NodeRef, shard: number) => Promise<LogPosition | undefined>;
    timeoutMs: number;
    pollMs: number;
    say: (m: string) => void;
  },
): Promise<void> {
  const { positionOf, timeoutMs, pollMs, say } = t;
  // 1. A new leader that does not answer cannot be shown to catch up: refuse before fencing anything.
  say(`${runs.length} shard leader(s) change; asking the new leaders where they stand`);
  // Asked until it answers or the catch-up time is up: one slow answer on a busy machine is not "unreachable".
  await mapLimit(runs, 8, (r) => catchUp(r, { epoch: 0, lsn: 0 }, positionOf, timeoutMs, pollMs));
  const silent = runs.filter((r) => !r.targetAnswered);
  if (silent.length > 0 && !force) {
    throw refused(
      silent.map((r) => ({
        shard: r.plan.shard,
        fromNode: r.plan.fromNode,
        toNode: r.plan.toNode,
        code: 'TARGET_UNREACHABLE',
        reason: `shard ${r.plan.shard}: ${r.plan.toNode} did not answer where it stands within ${timeoutMs} ms, so it cannot be shown to hold every acknowledged write`,
      })),
    );
  }

  // 1b. Before fencing (no write pause yet), let each new leader reach where its old leader stands now:
  // one that cannot is refused without a fence, so without a re-confirming version.
  if (control && !force) {
    const behind: ShardRefusal[] = [];
    say('letting the new leaders catch up before fencing');
    await mapLimit(runs, 8, async (r) => {
      const leaderAt = await control.position(r.from, r.plan.shard).catch(() => undefined);
      if (!leaderAt) return; // an old leader that does not answer is judged after the fence attempt
      await catchUp(r, leaderAt, positionOf, timeoutMs, pollMs);
      if (r.target && holds(r.target, leaderAt)) return;
      const lag = r.target ? entriesBehind(leaderAt, r.target) : undefined;
      behind.push({
        shard: r.plan.shard,
        fromNode: r.plan.fromNode,
        toNode: r.plan.toNode,
        code: r.target ? 'TARGET_BEHIND' : 'TARGET_UNREACHABLE',
        reason:
          `shard ${r.plan.shard}: ${r.plan.toNode} ${r.target ? `reached only ${formatPosition(r.target)}` : 'stopped answering'} within ${timeoutMs} ms, ` +
          `behind ${r.plan.fromNode} at ${formatPosition(leaderAt)}${lag === undefined ? '' : ` (${lag} entries)`}`,
        ...(lag === undefined ? {} : { mayBeLost: lag }),
      });
    });
    if (behind.length > 0) throw refused(behind);
  }

}

/** Hands the published version to the new leaders first, then to the other replicas; returns each shard's write pause. */
async function install(control: ReplicationControl, runs: readonly ShardRun[], live: LoadedTopology): Promise<Map<number, number>> {
  const view = new TopologyView(live);
  const pauses = new Map<number, number>();
  await mapLimit(runs, 8, async (r) => {
    await control.installTopology(view.writePoint(r.plan.shard), live).catch(() => undefined);
    pauses.set(r.plan.shard, r.fencedAtMs === undefined ? 0 : performance.now() - r.fencedAtMs);
  });
  // The other replicas learn it here or through their watch; a failure is not the operation's.
  const leaders = new Set(runs.map((r) => r.plan.toNode));
  const others = new Set(runs.flatMap((r) => view.replicaNodes(r.plan.shard)).filter((n) => !leaders.has(n.id)));
  await mapLimit([...others], 8, (n) => control.installTopology(n, live).catch(() => undefined));
  return pauses;
}

/** Polls the new leader until it holds `goal` or `timeoutMs` passed; keeps its last answer in `r.target`. */
async function catchUp(
  r: ShardRun,
  goal: LogPosition,
  positionOf: (n: NodeRef, shard: number) => Promise<LogPosition | undefined>,
  timeoutMs: number,
  pollMs: number,
): Promise<void> {
  const began = performance.now();
  for (;;) {
    const at = await positionOf(r.to, r.plan.shard);
    if (at) {
      r.target = at;
      r.targetAnswered = true;
    }
    if (at && holds(at, goal)) break;
    if (performance.now() - began > timeoutMs) break;
    await new Promise((res) => setTimeout(res, pollMs));
  }
  r.catchUpMs += performance.now() - began;
}

function judge(r: ShardRun): LeaderChangeVerdict {
  const e: LeaderChangeEvidence = {
    plan: r.plan,
    ...(r.fence ? { fencedAt: r.fence.position } : {}),
    ...(r.target ? { target: r.target } : {}),
    targetAnswered: r.targetAnswered,
  };
  return judgeLeaderChange(e);
}

function refusalOf(r: ShardRun): ShardRefusal {
  const v = r.verdict;
  const base = { shard: r.plan.shard, fromNode: r.plan.fromNode, toNode: r.plan.toNode };
  if (!v || v.kind === 'clean') return { ...base, code: 'UNKNOWN', reason: `shard ${r.plan.shard}: not judged` };
  return { ...base, code: v.code, reason: v.reason, ...(v.mayBeLost === undefined ? {} : { mayBeLost: v.mayBeLost }) };
}

function auditOf(r: ShardRun, force: boolean): LeaderChangeAudit {
  const v = r.verdict as LeaderChangeVerdict;
  const base = {
    shard: r.plan.shard,
    fromNode: r.plan.fromNode,
    toNode: r.plan.toNode,
    epoch: r.plan.epoch + 1,
    mode: r.plan.mode,
    oldLeader: r.fence ? ('fenced' as const) : ('unreachable' as const),
    ...(r.fence ? { oldLeaderAt: r.fence.position } : {}),
    ...(r.target ? { newLeaderAt: r.target } : {}),
  };
  if (v.kind === 'clean') return { ...base, clean: true, mayBeLost: 0 };
  return { ...base, clean: false, forced: force, code: v.code, note: v.reason, ...(v.mayBeLost === undefined ? {} : { mayBeLost: v.mayBeLost }) };
}

/** Publishes the built document with the audit; rebases on a newer version only when the caller gave no base version. */
async function publish(
  opts: LeaderChangeOptions,
  runs: readonly ShardRun[],
  audits: readonly LeaderChangeAudit[],
  startVersion: number,
): Promise<{ record: VersionRecord; comparison: Comparison }> {
  for (let attempt = 0; ; attempt++) {
    const cur = await opts.service.current();
    if (opts.baseVersion !== undefined && cur.record.version !== startVersion) throw versionConflict(opts.baseVersion, cur.record.version);
    assertUnchanged(cur.topology, runs);
    const doc = bumpEpochs(await opts.build(cur.topology), runs);
    try {
      return await opts.service.apply({
        document: doc,
        baseVersion: cur.record.version,
        author: opts.author,
        ...(opts.role ? { role: opts.role } : {}),
        reason: opts.reason,
        action: opts.action,
        leaderChanges: audits,
        ...(audits.some((a) => a.forced) ? { forced: true } : {}),
        ...(opts.guard ? { guard: opts.guard } : {}),
      });
    } catch (err) {
      if (opts.baseVersion !== undefined || (err as { code?: string }).code !== 'SETGATE_CP_VERSION_CONFLICT' || attempt >= 3) throw err;
    }
  }
}

function assertUnchanged(t: LoadedTopology, runs: readonly ShardRun[]): void {
  const view = new TopologyView(t);
  for (const r of runs) {
    if (view.writePoint(r.plan.shard).id !== r.plan.fromNode || view.placement(r.plan.shard).epoch !== r.plan.epoch) {
      throw failed(`shard ${r.plan.shard} changed leader or epoch while its leader was being changed`);
    }
  }
}

/** Epochs only move forward, and a new leader starts past the fenced epoch whatever the document said. */
function bumpEpochs(doc: Topology, runs: readonly ShardRun[]): Topology {
  const next = new Map(runs.map((r) => [r.plan.shard, r.plan.epoch + 1]));
  for (const p of doc.placements) {
    const e = next.get(p.shard);
    if (e !== undefined) p.epoch = Math.max(p.epoch ?? 0, e);
  }
  return doc;
}

/**
 * Abort path: the old leaders stay, at epoch + 1, which lifts their fence.
 * Nothing else in the config changes. Given every shard whose fence was
 * attempted: one that timed out may still have reached the node.
 */
async function reconfirm(opts: LeaderChangeOptions, fenced: readonly ShardRun[], say: (m: string) => void): Promise<number | undefined> {
  if (fenced.length === 0) return undefined;
  const shards = fenced.map((r) => r.plan.shard);
  say(`aborting: re-confirming the old leaders of shard(s) ${shards.join(', ')} at epoch + 1`);
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const cur = await opts.service.current();
      const doc = editable(cur.topology);
      for (const p of doc.placements) {
        const r = fenced.find((x) => x.plan.shard === p.shard);
        if (r && p.epoch === r.plan.epoch) p.epoch = r.plan.epoch + 1;
      }
      const { record } = await opts.service.apply({
        document: doc,
        baseVersion: cur.record.version,
        author: opts.author,
        ...(opts.role ? { role: opts.role } : {}),
        reason: `abort of: ${opts.reason}`,
        action: opts.action,
      });
      const live = (await opts.service.current()).topology;
      const view = new TopologyView(live);
      await Promise.allSettled(fenced.map((r) => opts.control?.installTopology(view.writePoint(r.plan.shard), live)));
      return record.version;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SETGATE_CP_VERSION_CONFLICT') return undefined;
    }
  }
  return undefined;
}
