import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoadedTopology } from '@setgate/config';
import type { Telemetry } from '@setgate/telemetry';
import { type NodeRef, TopologyView } from '@setgate/topology';
import type { ConfigService } from '../config-service.js';
import type { ReplicationControl } from '../ops/replication-control.js';
import { decideShard, type Hold, type Promotion, type ReplicaPosition } from './decide.js';
import { FlapGuard } from './flap-guard.js';
import type { LeaseLedger } from './lease-ledger.js';
import { type FailoverMetrics, registerFailoverMetrics } from './metrics.js';
import type { NodeAction, NodeHealth } from './node-health.js';
import type { NodeProbe, ProbedStatus } from './probe.js';
import { probeRound } from './probe-round.js';
import { type DownFacts, groupBy, publishPromotions } from './publish.js';
import { type FailoverSettings, failoverSettings } from './settings.js';
import type { FailoverRecord, FailoverStatus, NodeHealthView } from './status-types.js';
import { evidenceOf } from './evidence.js';
import { CONTROLLER_REGION, formatVotes, type WitnessPanel } from './witness.js';

export type { FailoverRecord, FailoverStatus, NodeHealthView } from './status-types.js';

export interface FailoverControllerOptions {
  readonly service: ConfigService;
  readonly probe: NodeProbe;
  /** Hands a published version to the new leaders at once instead of waiting for their watch. */
  readonly control?: Pick<ReplicationControl, 'installTopology'>;
  /** While a planned switchover runs (it fences leaders on purpose), the controller only observes. */
  readonly operations?: { readonly busy: string | undefined };
  readonly logger: Telemetry['logger'];
  readonly meter?: Telemetry['meter'];
  readonly now?: () => number;
  /** Waits out the rest of a revoked lease within the round (default: real time, unless `now` is given). */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * With several control-plane replicas: true only while this replica holds
   * the election (election.ts). While false the controller neither probes
   * nor decides, and it forgets what it saw, so a replica that becomes active
   * judges nodes only from its own fresh probes. Absent: always active.
   */
  readonly active?: { isActive(): boolean };
  /**
   * The leases the control plane granted through its watch (lease-ledger.ts:
   * one process's memory, or etcd for several replicas): the controller
   * revokes a down node's lease and promotes only once it has surely run out.
   * Absent (tests of the decision logic): it waits leaseMs + drift from the first failed check.
   */
  readonly leases?: LeaseLedger;
  /** Witnesses besides the controller's own check (gateways); absent: the controller's check decides alone. */
  readonly witnesses?: WitnessPanel;
  /** The region the control plane runs in, for the witness-region count; default: a vantage point of its own. */
  readonly region?: string;
}

const RECENT = 50;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The automated failover controller. Every `failover.probeIntervalMs` it
 * checks each node of every set that leads a shard (probe-round.ts); when its
 * own check of a node fails, it asks the witnesses (every gateway, from its
 * region) about that node. A write-point is down when a quorum of witnesses
 * in ≥ witnessRegions regions has found it unreachable for downAfterMs
 * (witness.ts, node-health.ts). Then, in this order:
 * - paused: it observes, logs and reports the suppressed failover; nothing else;
 * - a planned operation moving leaders: it waits;
 * - startup grace, per-shard hold-down, the fleet-wide cap (flap-guard.ts):
 *   it waits and says why;
 * - the lease: it REVOKES the node's lease (watch answers to it no longer
 *   grant one) and waits until the lease it last granted has surely run out,
 *   leaseMs + clockDriftMs after that answer (lease-grants.ts). Only then has
 *   the old leader stopped admitting AND acknowledging writes (it re-checks
 *   its lease before every acknowledgement), whether it is dead, frozen,
 *   starved or cut off in one direction;
 * - then the replicas are asked where they stand (positions read after that
 *   moment are final), the most caught-up eligible one is chosen per shard
 *   (decide.ts), and ONE version moving those leaderships at epoch + 1 is
 *   published, audited with author `failover-controller` and the evidence:
 *   every witness's vote, how long the quorum held, the lease waited for.
 */
export class FailoverController {
  private readonly health = new Map<string, NodeHealth>();
  private readonly refs = new Map<string, NodeRef>();
  private leads = new Map<string, number[]>();
  private settings: FailoverSettings | undefined;
  private readonly recent: FailoverRecord[] = [];
  private readonly metrics: FailoverMetrics | undefined;
  private readonly now: () => number;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastRoundAt: number | undefined;
  private readonly flap: FlapGuard;
  private readonly statusReadAt = new Map<string, number>();
  private readonly statusInFlight = new Set<string>();
  private loopDelay: IntervalHistogram | undefined;
  private lastLagMs = 0;

  constructor(private readonly opts: FailoverControllerOptions) {
    this.now = opts.now ?? Date.now;
    // A controller on its own clock (tests) waits out leases round by round, as that clock moves.
    this.sleep = opts.sleep ?? (opts.now ? undefined : (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.flap = new FlapGuard(this.now());
    this.metrics = opts.meter ? registerFailoverMetrics(opts.meter, () => this.status()) : undefined;
  }

  /** Starts probing, one round every probeIntervalMs (re-read from each version). */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Its own starvation, measured: a controller whose event loop stalled cannot tell a slow node from a slow self.
    // 50 ms: 20 wake-ups a second; the stall it must see is probeTimeoutMs / 2 (hundreds of ms).
    this.loopDelay = monitorEventLoopDelay({ resolution: 50 });
    this.loopDelay.enable();
    const loop = async () => {
      const began = this.now();
      this.inFlight = this.round();
      await this.inFlight;
      if (!this.running) return;
      const interval = this.settings?.probeIntervalMs ?? 1000;
      this.timer = setTimeout(loop, Math.max(0, interval - (this.now() - began)));
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.loopDelay?.disable();
    await this.inFlight;
  }

  /** One probe round and whatever it leads to; never throws. Tests drive the controller with it. */
  async round(): Promise<void> {
    if (this.opts.active && !this.opts.active.isActive()) {
      this.health.clear();
      return;
    }
    try {
      const { topology } = await this.opts.service.current();
      const settings = failoverSettings(topology);
      this.settings = settings;
      const view = new TopologyView(topology);
      const targets = this.targetsOf(view);
      const unseenBefore = targets.filter((n) => (this.health.get(n.id)?.state ?? 'unknown') === 'unknown').length;
      this.lastLagMs = this.loopDelay ? Math.round(this.loopDelay.max / 1e6) : 0;
      this.loopDelay?.reset();
      const result = await probeRound({
        targets,
        health: this.health,
        probe: this.opts.probe,
        ...(this.opts.witnesses ? { witnesses: this.opts.witnesses } : {}),
        settings,
        now: this.now,
        controllerRegion: this.opts.region ?? CONTROLLER_REGION,
        lagMs: this.lastLagMs,
        statusReadAt: this.statusReadAt,
        statusInFlight: this.statusInFlight,
        heardAgoMs: (id) => {
          const g = this.opts.leases?.view(id);
          return g && !g.assumed && !g.revoked ? g.grantedAgoMs : undefined;
        },
      });
      this.lastRoundAt = this.now();
      const unseen = targets.filter((n) => this.health.get(n.id)?.state === 'unknown').map((n) => n.id);
      this.flap.observe(view, this.now(), unseen.length < unseenBefore);
      for (const id of result.back) this.opts.logger.info({ node: id }, 'failover: node answers again');
      await this.restoreLeases(targets);
      for (const id of result.newlyDown) {
        const h = this.health.get(id) as NodeHealth;
        this.opts.logger.warn(
          { node: id, quorumMs: h.quorumForMs(this.now()), failedProbes: h.consecutiveFailures, votes: formatVotes(h.lastVotes), leads: this.leads.get(id) ?? [] },
          'failover: node declared down',
        );
      }
      const due = targets.filter((n) => this.health.get(n.id)?.state === 'down' && (this.leads.get(n.id)?.length ?? 0) > 0);
      if (due.length === 0) return;
      if (settings.paused) return this.suppress(due);
      const busy = this.opts.operations?.busy;
      if (busy) {
        for (const n of due) this.act(n.id, { kind: 'deferred', detail: `operation ${busy} is moving leaders; waiting for it to end` });
        return;
      }
      const startup = this.flap.startup(this.now(), settings.startupGraceMs, unseen);
      if (!startup.open) {
        const why = startup.waitingFor.length > 0 ? `node(s) ${startup.waitingFor.join(', ')} not seen yet` : `${startup.remainingMs} ms of grace left`;
        for (const n of due) this.act(n.id, { kind: 'deferred', detail: `startup grace (${settings.startupGraceMs} ms): ${why}` });
        return;
      }
      await this.failOver(view, due, settings);
    } catch (err) {
      this.opts.logger.warn({ err }, 'failover round failed');
    }
  }

  status(): FailoverStatus {
    const now = this.now();
    const s = this.settings;
    const nodes = [...this.health].map(([id, h]): NodeHealthView => {
      const ref = this.refs.get(id);
      return {
        node: id,
        set: ref?.set ?? '',
        region: ref?.region ?? '',
        leads: this.leads.get(id) ?? [],
        state: h.state,
        since: iso(h.since),
        consecutiveFailures: h.consecutiveFailures,
        unreachableMs: h.downForMs(now),
        ...(h.lastOkAt === undefined ? {} : { lastOkAt: iso(h.lastOkAt) }),
        ...(h.positionsAsOf === undefined ? {} : { positionsAsOf: iso(h.positionsAsOf) }),
        ...(h.lastError === undefined ? {} : { lastError: h.lastError }),
        ...(h.lastAction ? { lastAction: h.lastAction } : {}),
        quorumForMs: h.quorumForMs(now),
        ...(h.lastVotes.length > 0 ? { votes: h.lastVotes } : {}),
        ...(this.opts.leases ? { lease: this.opts.leases.view(id) } : {}),
      };
    });
    return {
      running: this.running,
      paused: s?.paused ?? false,
      probeIntervalMs: s?.probeIntervalMs ?? 0,
      downAfterMs: { configured: s?.configuredDownAfterMs ?? 0, effective: s?.downAfterMs ?? 0, floor: s?.downAfterFloorMs ?? 0 },
      ...(this.lastRoundAt === undefined ? {} : { lastRoundAt: iso(this.lastRoundAt) }),
      // Listed once the round has judged it (lastAction set with it), not merely when its probe failed.
      suppressed: s?.paused
        ? nodes
            .filter((n) => n.state === 'down' && n.leads.length > 0 && this.health.get(n.node)?.suppressedThisEpisode)
            .map((n) => ({ node: n.node, downSince: n.since, unreachableMs: n.unreachableMs, shards: n.leads }))
        : [],
      nodes,
      recent: [...this.recent],
      ...(s
        ? {
            startup: this.flap.startup(now, s.startupGraceMs, nodes.filter((n) => n.state === 'unknown').map((n) => n.node)),
            witnesses: { quorum: s.witnessQuorum, regions: s.witnessRegions, panel: this.opts.witnesses?.witnesses() ?? [], controllerLagMs: this.lastLagMs },
            lease: { leaseMs: s.leaseMs, clockDriftMs: s.clockDriftMs, tracked: this.opts.leases !== undefined },
            holdDown: { holdDownMs: s.holdDownMs, shards: this.flap.heldDown(now, s.holdDownMs) },
            cap: { maxFailoversPerMinute: s.maxFailoversPerMinute, lastMinute: this.flap.recent(now) },
          }
        : {}),
    };
  }

  /** Every node of a set that leads a shard, plus nodes already tracked that still exist. */
  private targetsOf(view: TopologyView): NodeRef[] {
    const leads = new Map<string, number[]>();
    const leaderSets = new Set<string>();
    for (const p of view.doc.placements) {
      const wp = view.writePoint(p.shard).id;
      const list = leads.get(wp);
      if (list) list.push(p.shard);
      else leads.set(wp, [p.shard]);
      leaderSets.add(p.leader);
    }
    this.leads = leads;
    const targets = new Map<string, NodeRef>();
    for (const n of view.allNodes()) {
      if (leaderSets.has(n.set) || this.health.has(n.id)) targets.set(n.id, n);
      this.refs.set(n.id, n);
    }
    for (const id of this.health.keys()) {
      if (view.node(id)) continue;
      this.health.delete(id);
      this.refs.delete(id);
    }
    return [...targets.values()];
  }

  /**
   * Grants leases again to revoked nodes that answer the controller's own check
   * (back from down, or revoked by an earlier controller that died before it
   * could restore them). A restore that fails is retried next round.
   */
  private async restoreLeases(targets: readonly NodeRef[]): Promise<void> {
    const leases = this.opts.leases;
    if (!leases) return;
    for (const n of targets) {
      if (this.health.get(n.id)?.state !== 'up' || !leases.isRevoked(n.id)) continue;
      try {
        await leases.restore(n.id);
      } catch (err) {
        this.opts.logger.warn({ node: n.id, err }, 'failover: lease restore failed; retried next round');
      }
    }
  }

  private act(node: string, action: Omit<NodeAction, 'at'>): void {
    const h = this.health.get(node);
    if (h) h.lastAction = { ...action, at: iso(this.now()) };
  }

  private suppress(due: readonly NodeRef[]): void {
    for (const n of due) {
      const h = this.health.get(n.id) as NodeHealth;
      if (h.suppressedThisEpisode) continue;
      h.suppressedThisEpisode = true;
      const shards = this.leads.get(n.id) ?? [];
      const unreachableMs = h.downForMs(this.now());
      this.act(n.id, {
        kind: 'suppressed',
        shards,
        detail: `automated failover is paused: write-point ${n.id} unreachable for ${unreachableMs} ms leads ${shards.length} shard(s); nothing changed`,
      });
      this.metrics?.count('suppressed', n.id);
      this.opts.logger.warn({ node: n.id, unreachableMs, shards }, 'failover suppressed: automated failover is paused');
    }
  }

  private async failOver(view: TopologyView, dueNodes: readonly NodeRef[], settings: FailoverSettings): Promise<void> {
    const started = this.now();
    const down = new Set([...this.health].filter(([, h]) => h.state === 'down').map(([id]) => id));
    // The lease first: revoked now, so the last grant stops moving even if the node still reaches us (one-way partition).
    const leaseWaitMs = new Map<string, number>();
    const leaseReady: NodeRef[] = [];
    for (const n of dueNodes) {
      const leases = this.opts.leases;
      if (!leases) {
        // No ledger (tests of the decision logic): the node's last renewal came at the latest when its
        // checks began to fail; that is all the controller can prove.
        const first = this.health.get(n.id)?.firstFailureAt ?? this.now();
        const wait = Math.max(0, first + settings.leaseMs + settings.clockDriftMs - this.now());
        if (wait > 0) this.act(n.id, { kind: 'deferred', detail: `waiting ${wait} ms: leaseMs + clockDriftMs after the first failed check` });
        else leaseReady.push(n);
        continue;
      }
      try {
        await leases.revoke(n.id, 'declared down by a quorum of witnesses');
      } catch (err) {
        // Not revoked (etcd unreachable, election lost): some replica may still grant it a lease, so no promotion.
        this.act(n.id, { kind: 'deferred', detail: `lease not revoked: ${(err as Error).message}` });
        continue;
      }
      let wait = leases.surelyExpiredInMs(n.id, settings.leaseMs, settings.clockDriftMs);
      // The grant can no longer move (revoked above), so the wait is known and bounded by one lease: waited
      // out here rather than deferred to a later round, which would add up to a round's length to the RTO.
      if (wait > 0 && wait <= settings.leaseMs + settings.clockDriftMs && this.sleep) {
        await this.sleep(wait);
        wait = leases.surelyExpiredInMs(n.id, settings.leaseMs, settings.clockDriftMs);
      }
      const agoMs = leases.view(n.id).grantedAgoMs;
      leaseWaitMs.set(n.id, agoMs);
      if (wait > 0) this.act(n.id, { kind: 'deferred', detail: `lease revoked; waiting ${wait} ms until the lease last granted (or revoked) ${agoMs} ms ago has surely run out (leaseMs ${settings.leaseMs} + clockDriftMs ${settings.clockDriftMs})` });
      else leaseReady.push(n);
    }
    const capLeft = settings.maxFailoversPerMinute - this.flap.recent(this.now());
    for (const n of leaseReady.slice(Math.max(0, capLeft))) {
      this.act(n.id, { kind: 'deferred', detail: `fleet-wide cap: ${settings.maxFailoversPerMinute} write-point(s) failed over in the last minute already` });
    }
    const due = leaseReady.slice(0, Math.max(0, capLeft));
    if (due.length === 0) return;
    const { promotions, holds, heldDown } = await this.decideAll(view, due, down, settings);
    this.noteHolds(holds);
    for (const [node, list] of groupBy(heldDown, (x) => x.node)) {
      this.act(node, { kind: 'deferred', shards: list.map((x) => x.shard), detail: list.map((x) => `shard ${x.shard} in hold-down for ${x.remainingMs} ms more`).join('; ') });
    }
    if (promotions.length === 0) return;

    const facts = new Map<string, DownFacts>(
      due.map((n) => {
        const h = this.health.get(n.id) as NodeHealth;
        return [n.id, { unreachableMs: h.downForMs(this.now()), failedProbes: h.consecutiveFailures, evidence: evidenceOf(n.id, h, settings, this.now(), leaseWaitMs.get(n.id)) }];
      }),
    );
    let outcome: Awaited<ReturnType<typeof publishPromotions>>;
    try {
      outcome = await publishPromotions(this.opts.service, promotions, facts);
    } catch (err) {
      for (const n of new Set(promotions.map((p) => p.fromNode))) {
        this.act(n, { kind: 'publish-failed', detail: (err as Error).message });
        this.metrics?.count('publish-failed', n);
      }
      this.opts.logger.error({ err }, 'failover: publishing the promotions failed; retrying next round');
      return;
    }
    if (outcome.kind === 'moot') {
      this.opts.logger.info({ why: outcome.why }, 'failover: nothing to publish');
      return;
    }
    const { record, promotions: done } = outcome;
    this.flap.record(this.now(), new Set(done.map((p) => p.fromNode)).size, done.map((p) => p.shard));
    await this.install((await this.opts.service.current()).topology, done, down);
    this.record(record.version, done, holds, facts);
    this.opts.logger.warn(
      { version: record.version, reason: record.reason, decisionMs: this.now() - started, promotions: done.map((p) => ({ shard: p.shard, to: p.toNode, epoch: p.epoch })) },
      'failover: published new leaders',
    );
  }

  /** Asks the replicas of the down nodes' shards where they stand (once per node), then decides each shard. */
  private async decideAll(view: TopologyView, due: readonly NodeRef[], down: ReadonlySet<string>, settings: FailoverSettings) {
    const now = this.now();
    const heldDown: Array<{ node: string; shard: number; remainingMs: number }> = [];
    const shardsOf = due.map((n) => ({
      node: n,
      shards: (this.leads.get(n.id) ?? []).filter((shard) => {
        const remainingMs = this.flap.heldDownFor(shard, now, settings.holdDownMs);
        if (remainingMs > 0) heldDown.push({ node: n.id, shard, remainingMs });
        return remainingMs === 0;
      }),
    }));
    const ask = new Set(shardsOf.flatMap((x) => x.shards.flatMap((s) => view.replicaNodes(s).map((r) => r.id))).filter((id) => !down.has(id)));
    const answers = await this.askAll([...ask].map((id) => view.node(id) as NodeRef), settings.probeTimeoutMs);
    const promotions: Promotion[] = [];
    const holds: Hold[] = [];
    for (const { node, shards } of shardsOf) {
      const h = this.health.get(node.id) as NodeHealth;
      for (const shard of shards) {
        const replicas = new Map(view.replicaNodes(shard).map((r) => [r.id, positionOf(r.id, shard, answers.get(r.id))]));
        const d = decideShard({ view, shard, downNode: node.id, lastSeen: h.lastSeen(shard), replicas });
        if (d.kind === 'promote') promotions.push(d);
        else holds.push(d);
      }
    }
    return { promotions, holds, heldDown };
  }

  /** Last actions, counters and the recent list after a published failover. */
  private record(version: number, done: readonly Promotion[], holds: readonly Hold[], facts: ReadonlyMap<string, DownFacts & { evidence?: string }>): void {
    for (const n of new Set(done.map((p) => p.fromNode))) {
      const mine = done.filter((p) => p.fromNode === n);
      const held = holds.filter((x) => x.fromNode === n).map((x) => x.reason);
      const moved = mine.map((p) => `shard ${p.shard} → ${p.toNode} at ${p.position.epoch}:${p.position.lsn}`).join(', ');
      this.act(n, { kind: 'promoted', version, shards: mine.map((p) => p.shard), detail: held.length > 0 ? `${moved}; held: ${held.join('; ')}` : moved });
      this.metrics?.count('promoted', n, mine.length);
    }
    const at = iso(this.now());
    for (const p of done) {
      const evidence = facts.get(p.fromNode)?.evidence;
      this.recent.push({ ...p, at, version, unreachableMs: facts.get(p.fromNode)?.unreachableMs ?? 0, ...(evidence ? { evidence } : {}) });
      if (p.behindLastSeen) {
        this.opts.logger.warn({ shard: p.shard, toNode: p.toNode, behindLastSeen: p.behindLastSeen }, 'failover: async shard promoted behind the old leader');
      }
    }
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT));
  }

  /** Each node's status, or why it could not be had. */
  private async askAll(nodes: readonly NodeRef[], timeoutMs: number): Promise<Map<string, ProbedStatus | string>> {
    const out = new Map<string, ProbedStatus | string>();
    await Promise.all(
      nodes.map(async (n) => {
        try {
          out.set(n.id, await this.opts.probe.status(n, timeoutMs));
        } catch (err) {
          out.set(n.id, (err as Error).message ?? String(err));
        }
      }),
    );
    return out;
  }

  /** Logs and records held shards once per change of reasons, so a long outage does not flood the log. */
  private noteHolds(holds: readonly Hold[]): void {
    for (const [node, list] of groupBy(holds, (x) => x.fromNode)) {
      const detail = list.map((x) => x.reason).join('; ');
      const h = this.health.get(node);
      if (h?.lastAction?.kind === 'held' && h.lastAction.detail === detail) continue;
      this.act(node, { kind: 'held', detail, shards: list.map((x) => x.shard) });
      this.metrics?.count('held', node);
      this.opts.logger.warn({ node, shards: list.map((x) => x.shard), reasons: list.map((x) => x.reason) }, 'failover: shard(s) held, no eligible replica');
    }
  }

  /** New leaders first (their writes resume), then the other replicas; their watch brings it anyway. */
  private async install(topology: LoadedTopology, done: readonly Promotion[], down: ReadonlySet<string>): Promise<void> {
    const control = this.opts.control;
    if (!control) return;
    const view = new TopologyView(topology);
    const leaders = [...new Set(done.map((p) => p.toNode))];
    await Promise.allSettled(leaders.map((id) => control.installTopology(view.node(id) as NodeRef, topology)));
    const others = new Set(done.flatMap((p) => view.replicaNodes(p.shard).map((n) => n.id)).filter((id) => !down.has(id) && !leaders.includes(id)));
    await Promise.allSettled([...others].map((id) => control.installTopology(view.node(id) as NodeRef, topology)));
  }
}

/** One replica's answer reduced to its position for `shard`, or why there is none. */
function positionOf(node: string, shard: number, answer: ProbedStatus | string | undefined): ReplicaPosition {
  if (answer === undefined) return { node, error: 'not asked (down)' };
  if (typeof answer === 'string') return { node, error: answer };
  const s = answer.shards.find((x) => x.shard === shard);
  if (!s) return { node, error: `does not report shard ${shard}` };
  // A follower's own LSN plus its lag is the leader's log end as it last heard it (async loss accounting, decide.ts).
  const seen = s.role === 'follower' && typeof s.lagEntries === 'number' ? { leaderLsnSeen: s.lsn + s.lagEntries } : {};
  return { node, position: { epoch: s.epoch, lsn: s.lsn }, ...seen };
}
