import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { devAdminTokens, signDevToken } from '@setgate/launcher';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { startBenchStack, type BenchStack } from '../bench/stack.js';
import { type CheckReport, checkHistory, type Op } from './checker/index.js';
import { DrillClient } from './client.js';
import { ControlPlaneClient, FailoverLog } from './control-plane.js';
import { awaitConvergence, readFinalState } from './final-state.js';
import { Load, type ReadContract } from './load.js';
import { cutOffUsers } from './cut-off-users.js';
import { RecoveryWatch, runRecovery } from './recovery.js';
import type { Marker, ReportedViolation, RunReport } from './report-types.js';
import { createRng } from './rng.js';
import type { DrillContext, Injected, LinkFaults, Scenario } from './scenarios/index.js';
import { quantile } from '../bench/stats.js';
import { errorTotals, timelineOf } from './timeline.js';
import { type DrillUser, pickUsers } from './users.js';

export interface RunOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  /** Index of this run among the drill's runs. */
  readonly run: number;
  readonly durationS: number;
  readonly usersPerShard: number;
  readonly thinkMs: number;
  /** How long to wait for replicas to converge after the load. */
  readonly convergeTimeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
  /** Start the stack with WAN emulation (cross-region delay; partition-region and slow-link need it). */
  readonly wan?: boolean;
  /** Link faults to use instead of the stack's WAN relay (tests). */
  readonly links?: LinkFaults;
  /** Prefix of this run's user ids (default `u`; surge users `s`): runs sharing a stack keep their keys apart. */
  readonly userPrefix?: string;
  /** Suite runs: how long to wait for the stack to settle before each run. */
  readonly settleTimeoutMs?: number;
  /** Hears the run's whole history once the load has stopped (the CLI's --history). */
  readonly onHistory?: (ops: readonly Op[]) => void;
}

/**
 * Probe writers' pace (see Load.probe): about this many puts per second over
 * all of a run's probes, none more often than every PROBE_MIN_EVERY_MS, so a
 * fault that touches every shard does not double the load.
 */
const PROBE_WRITES_PER_S = 100;
const PROBE_MIN_EVERY_MS = 100;
const probeEveryMs = (probes: number) => Math.max(PROBE_MIN_EVERY_MS, Math.round((probes * 1000) / PROBE_WRITES_PER_S));

/** Below this many acknowledged writes before the fault a run proves nothing: it fails as inconclusive. */
const MIN_ACKED_BEFORE_FAULT = 20;

/** Violations kept in a report with their ops; the counts always cover all. */
const KEEP_VIOLATIONS = 200;

function readContract(stack: BenchStack['stack'], name: string): ReadContract {
  const c = stack.topology.commands.find((x) => x.name === name);
  return { boundMs: c?.maxStalenessMs, staleFallback: c?.staleFallback === true };
}

/** Stops of the stacks of runs under way, for an interrupted CLI. */
const ACTIVE = new Set<() => Promise<void>>();

/** Stops every stack a run has started and not yet stopped (on SIGINT/SIGTERM). */
export async function stopActiveRuns(): Promise<void> {
  await Promise.allSettled([...ACTIVE].map((stop) => stop()));
}

/** A run that measured nothing: skipped (a requirement is missing) or failed before its load (e.g. the stack did not start). */
export function emptyReport(opts: RunOptions, status: 'skipped' | 'failed', reason: string, startedAt = new Date().toISOString()): RunReport {
  return {
    scenario: opts.scenario.name,
    seed: opts.seed,
    run: opts.run,
    status,
    reason,
    startedAt,
    config: { durationS: opts.durationS, users: 0, surgeUsers: 0, thinkMs: opts.thinkMs, shardCount: 0, leaseMs: 0 },
    markers: [],
    timeline: [],
    errors: [],
    throughput: { opsPerS: 0, okWritesPerS: 0, okReadsPerS: 0, p99Ms: 0 },
    recovery: { rtoMs: null, lastFailedSentMs: null, publishedMs: null, writePauseMs: 0, disruptedShards: 0, shards: [] },
    failovers: [],
    asyncLoss: { reported: 0, measured: 0, asyncShards: 0 },
  };
}

/** What a drill's stack must have, from the scenarios it will run. */
interface StackNeeds {
  readonly wan: boolean;
  readonly etcd: boolean;
  readonly redis: boolean;
}

/** A stack on free ports with what the scenarios need, the drill's HTTP client, and how to stop all of it. */
interface DrillStack {
  readonly bench: BenchStack;
  readonly client: DrillClient;
  readonly redis?: RedisServer;
}

async function withDrillStack<T>(needs: StackNeeds, edit: ((doc: Record<string, unknown>) => void) | undefined, use: (s: DrillStack) => Promise<T>): Promise<T> {
  let redis: RedisServer | undefined;
  let bench: BenchStack | undefined;
  const client = new DrillClient(8000);
  try {
    if (needs.redis) redis = await startRedisServer();
    const redisUrl = redis?.url;
    bench = await startBenchStack({
      only: () => true,
      // Generous: on a busy 2-core machine a process can take minutes to compile, open and report ready.
      readyTimeoutMs: 600000,
      edit: (doc) => {
        if (redisUrl) (doc.gateway as { rateLimit: { redisUrl?: string } }).rateLimit.redisUrl = redisUrl;
        edit?.(doc);
      },
      wan: needs.wan,
      etcd: needs.etcd,
    });
    const started = bench;
    const stop = () => started.stop();
    ACTIVE.add(stop);
    try {
      return await use({ bench, client, ...(redis ? { redis } : {}) });
    } finally {
      ACTIVE.delete(stop);
    }
  } finally {
    await client.close().catch(() => {});
    await bench?.stop();
    await redis?.kill();
  }
}

const WAN_SKIP = 'needs --wan: this stack runs without WAN emulation, so links cannot be cut or slowed';

/**
 * One drill run: its own stack on free ports, seeded load through every
 * region's proxy, the scenario's fault at a seeded time, heal, convergence,
 * every key read on every replica, and the checker's verdict.
 */
export async function runDrill(opts: RunOptions): Promise<RunReport> {
  const { scenario, seed } = opts;
  const log = opts.log ?? (() => {});
  const startedAt = new Date().toISOString();
  if (scenario.requires === 'wan' && !opts.wan && !opts.links) return emptyReport(opts, 'skipped', WAN_SKIP, startedAt);
  log(`[${scenario.name} seed ${seed}] starting the stack`);
  const needs = { wan: opts.wan === true, etcd: scenario.requires === 'etcd', redis: scenario.requires === 'redis' };
  return withDrillStack(needs, undefined, (s) => drive(opts, s.bench, s.client, s.redis, startedAt, log));
}

/** Several scenarios run one after another on ONE stack (the CI drill stage: one stack start for all). */
export interface SuiteOptions extends Omit<RunOptions, 'scenario' | 'run' | 'userPrefix'> {
  readonly scenarios: readonly Scenario[];
}

/**
 * Runs each scenario in turn on one stack (with WAN emulation, etcd and
 * Redis when any scenario needs them). Each run has its own users (a prefix
 * per run), so its history and final reads are its own; before each run the
 * stack is settled: every process running and every node seen up by the
 * failover controller. The failover cap and hold-down are raised in the
 * stack's topology, since the scenarios fail nodes over minutes apart, not
 * days. Run k uses seed `seed + k - 1`.
 */
export async function runDrillSuite(opts: SuiteOptions): Promise<RunReport[]> {
  const log = opts.log ?? (() => {});
  const wanted = (r: string) => opts.scenarios.some((s) => s.requires === r);
  const needs = { wan: opts.wan === true, etcd: wanted('etcd'), redis: wanted('redis') };
  const edit = (doc: Record<string, unknown>) => {
    doc.failover = { ...(doc.failover as Record<string, unknown>), maxFailoversPerMinute: 60, holdDownMs: 1000 };
  };
  log(`[suite] starting one stack for ${opts.scenarios.map((s) => s.name).join(', ')}`);
  return withDrillStack(needs, edit, async (s) => {
    const reports: RunReport[] = [];
    for (const [i, scenario] of opts.scenarios.entries()) {
      const runOpts: RunOptions = { ...opts, scenario, seed: opts.seed + i, run: i + 1, userPrefix: `r${i + 1}-` };
      const startedAt = new Date().toISOString();
      if (scenario.requires === 'wan' && !needs.wan && !opts.links) {
        reports.push(emptyReport(runOpts, 'skipped', WAN_SKIP, startedAt));
        continue;
      }
      const settled = await settle(s.bench, opts.settleTimeoutMs ?? 120000);
      if (settled) log(`[suite] stack not settled before ${scenario.name}: ${settled}`);
      const report = await drive(runOpts, s.bench, s.client, s.redis, startedAt, log).catch((err: Error) => emptyReport(runOpts, 'failed', `the run broke off: ${err.message}`, startedAt));
      reports.push(report);
    }
    return reports;
  });
}

/** Waits until every process of the stack runs and the failover controller sees every node up; returns what is still wrong at the deadline, if anything. */
async function settle(bench: BenchStack, timeoutMs: number): Promise<string | undefined> {
  const stack = bench.stack;
  const operator = devAdminTokens(stack.topology).find((t) => t.role === 'viewer' || t.role === 'operator')?.token;
  const cp = stack.controlPlaneUrl && operator ? new ControlPlaneClient(stack.controlPlaneUrls ?? [stack.controlPlaneUrl], operator) : undefined;
  // Every process the stack supervises: the WAN relay and control-plane replicas too, not only the topology's instances.
  const ids = stack.supervisor.components().map((c) => c.spec.name);
  const deadline = Date.now() + timeoutMs;
  let problem: string | undefined = 'not checked';
  while (Date.now() < deadline) {
    const stopped = ids.filter((id) => !stack.supervisor.get(id)?.running);
    if (stopped.length > 0) {
      const tails = stopped.map((id) => `${id}: ${stack.supervisor.get(id)?.outputTail().slice(-400) ?? 'gone'}`);
      problem = `not running: ${stopped.join(', ')} (${tails.join(' | ')})`;
    }
    else {
      const notUp = await cp?.nodesNotUp().catch((err: Error) => [`control plane: ${err.message}`]);
      problem = notUp && notUp.length > 0 ? `not up for the failover controller: ${notUp.join(', ')}` : undefined;
    }
    if (problem === undefined) return undefined;
    await sleep(500);
  }
  return problem;
}

async function drive(opts: RunOptions, bench: BenchStack, client: DrillClient, redis: RedisServer | undefined, startedAt: string, log: (l: string) => void): Promise<RunReport> {
  const { scenario, seed } = opts;
  const stack = bench.stack;
  const { view, topology } = stack;
  const rng = createRng(seed);
  const regions = view.regionNames();
  const prefix = opts.userPrefix ?? '';
  const users = pickUsers(`${prefix}u`, view.shardCount, opts.usersPerShard, regions);
  const surgeUsers = scenario.surge ? pickUsers(`${prefix}s`, view.shardCount, opts.usersPerShard * 2, regions) : [];
  // One probe writer per shard, started on the affected shards once the fault is in.
  const probeUsers = pickUsers(`${prefix}p`, view.shardCount, 1, regions);
  const tokens = new Map<string, string>();
  for (const u of [...users, ...surgeUsers, ...probeUsers]) tokens.set(u.id, await signDevToken(topology, { sub: u.id, ttlSec: 3600 }));
  const proxyOf = (region: string) => (topology.regions.find((r) => r.name === region)?.proxies ?? []).map((p) => stack.url(p.id));
  const entries = new Map(regions.map((r) => [r, view.regionsByDistance(r).flatMap(proxyOf)]));
  const entryRegions = new Map(regions.flatMap((r) => proxyOf(r).map((origin) => [origin, r] as const)));

  const roleToken = (role: string) => devAdminTokens(topology).find((t) => t.role === role)?.token;
  const [operator, adminToken] = [roleToken('operator'), roleToken('admin')];
  if (!stack.controlPlaneUrl || !operator || !adminToken) throw new Error('drills need the control plane and its development operator and admin tokens');
  // Every replica (etcd mode): the client moves on when the one it asks was killed by the scenario.
  const cpUrls = stack.controlPlaneUrls ?? [stack.controlPlaneUrl];
  const cp = new ControlPlaneClient(cpUrls, operator);
  const admin = new ControlPlaneClient(cpUrls, adminToken);
  const failovers = new FailoverLog(cp);

  const ops: Op[] = [];
  const t0 = performance.now();
  const wall0 = Date.now();
  const now = () => Math.round(performance.now() - t0);
  let watch: RecoveryWatch | undefined;
  const load = new Load({
    client,
    rng: rng.fork('load'),
    users,
    surgeUsers,
    tokens,
    entries,
    entryRegions,
    thinkMs: opts.thinkMs,
    profileRead: readContract(stack, 'profile.get'),
    cartRead: readContract(stack, 'cart.get'),
    now,
    onOp: (op) => {
      ops.push(op);
      watch?.record(op);
    },
  });
  const durationMs = opts.durationS * 1000;
  const faultRng = rng.fork('fault');
  const faultAtMs = Math.round(Math.max(3000, durationMs * (0.15 + 0.15 * faultRng.next())));
  const markers: Marker[] = [];
  let appliedAt: number | undefined;
  const links = opts.links ?? stack.wan?.admin();
  const ctx: DrillContext = { stack, rng: faultRng, cp, admin, load, redis, etcd: bench.etcd, links, faultApplied: () => (appliedAt ??= now()) };

  failovers.start();
  load.start();
  log(`[${scenario.name} seed ${seed}] load: ${users.length} users (+${surgeUsers.length} surge), fault at ${faultAtMs} ms of ${durationMs} ms`);
  await sleep(faultAtMs - now());
  let faultMs = now();
  let injected: Injected | undefined;
  let faultError: string | undefined;
  try {
    injected = await scenario.inject(ctx);
    faultMs = appliedAt ?? faultMs;
    markers.push({ tMs: faultMs, kind: 'fault', label: injected.description });
    log(`[${scenario.name} seed ${seed}] ${faultMs} ms: ${injected.description}`);
  } catch (err) {
    faultError = `the fault could not be injected: ${(err as Error).message}`;
    log(`[${scenario.name} seed ${seed}] ${faultError}`);
  }
  watch = injected ? new RecoveryWatch(injected.affectedShards, faultMs) : undefined;
  const probed = probeUsers.filter((u) => injected?.affectedShards.includes(u.shard) === true);
  load.probe(probed, probeEveryMs(probed.length));
  const policy = scenario.healPolicy(stack);
  const latestHeal = Math.max(faultMs, durationMs - 3000);
  let healAtMs: number | undefined;
  let healedAtMs: number | undefined;
  let healing: Promise<void> | undefined;
  const heal = () => {
    if (!injected || healing) return;
    healAtMs = now();
    markers.push({ tMs: healAtMs, kind: 'heal', label: 'heal' });
    log(`[${scenario.name} seed ${seed}] ${healAtMs} ms: heal`);
    healing = injected.heal().then(() => {
      healedAtMs = now();
      markers.push({ tMs: healedAtMs, kind: 'healed', label: 'healed' });
    });
  };
  while (now() < durationMs) {
    const t = now();
    const due = policy.kind === 'after' ? t >= faultMs + policy.ms : t >= faultMs + policy.minMs && watch?.recovered(t) === true;
    if (!healing && (due || t >= latestHeal)) heal();
    await sleep(Math.min(250, Math.max(1, durationMs - now())));
  }
  heal();
  const loadEndMs = now();
  await load.stop();
  markers.push({ tMs: loadEndMs, kind: 'load-stop', label: 'load stopped' });
  await healing;
  await failovers.stop();
  log(`[${scenario.name} seed ${seed}] load stopped (${ops.length} ops); waiting for replicas to converge`);
  opts.onHistory?.(ops);

  const nodes = view.allNodes();
  const convergence = await awaitConvergence(nodes, stack.internalToken, opts.convergeTimeoutMs ?? 60000);
  const final = await readFinalState(nodes, [...users, ...surgeUsers, ...probed].map((u) => ({ key: u.id, shard: u.shard })), stack.internalToken);
  // The controller's recent list outlives a run on a shared stack (suites): only this run's promotions count.
  const events = failovers.events().map((e) => ({ ...e, tMs: Date.parse(e.at) - wall0 })).filter((e) => e.tMs >= 0);
  const asyncShards = new Set(topology.placements.filter((p) => p.mode === 'async').map((p) => p.shard));
  // Async shards whose promotion named entries the new leader lacked: a write missing there is the loss the system reported.
  const lossEvents = events.filter((e) => asyncShards.has(e.shard) && (e.behindLastSeen ?? 0) > 0);
  const checks = checkHistory({ ops, final, reportedLossShards: [...new Set(lossEvents.map((e) => e.shard))] });

  const byId = new Map(ops.map((o) => [o.id, o]));
  const violations: ReportedViolation[] = checks.violations.slice(0, KEEP_VIOLATIONS).map((v) => ({ ...v, ops: v.ops.map((id) => byId.get(id)).filter((o): o is Op => o !== undefined) }));
  const timeline = timelineOf(ops, Math.ceil(loadEndMs / 1000) + 1);
  for (const e of events) markers.push({ tMs: e.tMs, kind: 'failover', label: `shard ${e.shard} ${e.fromNode} → ${e.toNode} (epoch ${e.epoch})` });
  const lat = ops.map((o) => o.completeMs - o.invokeMs).sort((a, b) => a - b);
  const seconds = loadEndMs / 1000;
  const { failed, reason } = verdict(ops, faultMs, checks, faultError);
  return {
    scenario: scenario.name,
    seed,
    run: opts.run,
    status: failed ? 'failed' : 'passed',
    ...(reason ? { reason } : {}),
    startedAt,
    config: { durationS: opts.durationS, users: users.length, surgeUsers: surgeUsers.length, probeWriters: probed.length, probeEveryMs: probeEveryMs(probed.length), thinkMs: opts.thinkMs, shardCount: view.shardCount, leaseMs: topology.replication.leaseMs },
    ...(injected ? { fault: { atMs: faultMs, healAtMs, healedAtMs, description: injected.description, targets: injected.targets, affectedShards: injected.affectedShards } } : {}),
    markers: markers.sort((a, b) => a.tMs - b.tMs),
    timeline,
    errors: errorTotals(timeline),
    throughput: {
      opsPerS: round(ops.length / seconds),
      okWritesPerS: round(ops.filter((o) => o.outcome === 'ok' && (o.kind === 'profile.put' || o.kind === 'cart.add')).length / seconds),
      okReadsPerS: round(ops.filter((o) => o.outcome === 'ok' && (o.kind === 'profile.get' || o.kind === 'cart.get')).length / seconds),
      p99Ms: quantile(lat, 0.99),
    },
    recovery: runRecovery(ops, injected?.affectedShards ?? [], faultMs, loadEndMs, events),
    ...cutOffReport(ops, users, injected?.usersCutOff, faultMs, healAtMs ?? loadEndMs),
    failovers: events,
    asyncLoss: {
      reported: events.filter((e) => asyncShards.has(e.shard)).reduce((n, e) => n + (e.behindLastSeen ?? 0), 0),
      measured: [...checks.violations, ...checks.reportedAsyncLosses].filter((v) => v.check === 'lost-write' && v.shard !== undefined && asyncShards.has(v.shard)).length,
      asyncShards: asyncShards.size,
    },
    convergence,
    checks: { ...checks, violations, violationsTotal: checks.violations.length, notes: checks.notes.slice(0, 50) },
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** partition-region: where the cut-off region's own users went until the heal, and how their ops ended. */
function cutOffReport(ops: readonly Op[], users: readonly DrillUser[], region: string | undefined, fromMs: number, toMs: number): Pick<RunReport, 'cutOffUsers'> {
  if (!region) return {};
  const ids = new Set(users.filter((u) => u.homeRegion === region).map((u) => u.id));
  return { cutOffUsers: cutOffUsers(ops, region, ids, fromMs, toMs) };
}

/** Failed: the fault could not be injected, a check failed, or the load proved nothing (too few acknowledged writes before the fault). */
function verdict(ops: readonly Op[], faultMs: number, checks: CheckReport, faultError: string | undefined): { failed: boolean; reason?: string } {
  if (faultError) return { failed: true, reason: faultError };
  if (!checks.passed) {
    const found = Object.entries(checks.counts).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
    return { failed: true, reason: `checks failed: ${found.join(', ')}` };
  }
  const acked = ops.filter((o) => o.outcome === 'ok' && (o.kind === 'profile.put' || o.kind === 'cart.add') && o.completeMs < faultMs).length;
  if (acked < MIN_ACKED_BEFORE_FAULT) {
    return { failed: true, reason: `inconclusive: only ${acked} acknowledged writes before the fault (the stack barely served; a busy machine?)` };
  }
  return { failed: false };
}
