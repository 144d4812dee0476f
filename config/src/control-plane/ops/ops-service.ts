import type { AdminRoleName, Comparison, LoadedTopology, Topology } from '@setgate/config';
import type { ConfigService } from '../config-service.js';
import { ControlPlaneErrors } from '../errors.js';
import type { ChangeAction } from '../store/config-store.js';
import type { OperationView, Operations } from './operations.js';
import { editable, planDrain, planFailoverPause, planShardMove, planUndrain } from './placement-plan.js';
import { type LeaderChangeResult, runLeaderChange } from './leader-protocol.js';
import type { ReplicationControl } from './replication-control.js';
import { runSwitchover } from './switchover.js';

/** Who asks and why: recorded with the version the action produces. */
export interface Actor {
  readonly author: string;
  /** The author's role, audited with every version the action stores. */
  readonly role?: AdminRoleName;
  readonly reason: string;
  /** The operator's explicit choice to promote replicas that may lack acknowledged writes (`--force-unclean`), audited. */
  readonly force?: boolean;
}

/** An apply or rollback as the admin API receives it. */
export interface DocumentChange extends Actor {
  readonly baseVersion: number;
  /** Throws to refuse (a role too low for the sections the diff touches). */
  readonly guard?: (comparison: Comparison) => void;
}

export interface OpsOptions {
  readonly service: ConfigService;
  readonly operations: Operations;
  /** Absent: nodes cannot be fenced from this control plane, so leadership cannot move. */
  readonly control?: ReplicationControl;
  readonly catchUpTimeoutMs?: number;
}

/**
 * The ops actions on top of the config: shard moves and drains as planned
 * switchovers (long operations), undrain and failover pause as plain changes.
 */
export class OpsService {
  constructor(private readonly opts: OpsOptions) {}

  /**
   * `setgate apply`: stores `document` as the next version. When it changes
   * any shard's write-point, the leader-change protocol carries it out
   * (fence, catch-up, epoch + 1, or 409 with each shard's reason), one at a
   * time with shard moves and drains.
   */
  async applyDocument(document: unknown, change: DocumentChange): Promise<LeaderChangeResult> {
    const fixed = structuredClone(document) as Topology;
    return this.documentChange(change, { kind: 'apply' }, () => structuredClone(fixed));
  }

  /** `setgate rollback N`: version N's document again (epochs only forward), through the same protocol. */
  async rollback(to: number, change: DocumentChange): Promise<LeaderChangeResult> {
    const service = this.opts.service;
    await service.rollbackDocument(to, (await service.current()).topology); // 404 before anything else
    return this.documentChange(change, { kind: 'rollback', to }, (cur) => service.rollbackDocument(to, cur));
  }

  private async documentChange(change: DocumentChange, action: ChangeAction, build: (cur: LoadedTopology) => Topology | Promise<Topology>) {
    this.exclusive();
    return this.opts.operations.runExclusive(action.kind, change.author, (progress) =>
      runLeaderChange({
        service: this.opts.service,
        ...(this.opts.control ? { control: this.opts.control } : {}),
        build,
        author: change.author,
        ...(change.role ? { role: change.role } : {}),
        reason: change.reason,
        action,
        baseVersion: change.baseVersion,
        ...(change.force ? { force: true } : {}),
        ...(change.guard ? { guard: change.guard } : {}),
        ...(this.opts.catchUpTimeoutMs === undefined ? {} : { catchUpTimeoutMs: this.opts.catchUpTimeoutMs }),
        progress,
      }),
    );
  }

  private control() {
    if (!this.opts.control) {
      throw ControlPlaneErrors.create('SETGATE_CP_SWITCHOVER_UNAVAILABLE', {
        detail: 'this control plane has no way to fence nodes, so it cannot move leaders',
      });
    }
    return this.opts.control;
  }

  private exclusive(): void {
    const busy = this.opts.operations.busy;
    if (busy) throw ControlPlaneErrors.create('SETGATE_CP_OPERATION_BUSY', { detail: `operation ${busy} is running`, extensions: { operation: busy } });
  }

  /** Moves one shard's leadership to `toSet` by planned switchover. */
  async moveShard(shard: number, toSet: string, actor: Actor): Promise<OperationView> {
    this.exclusive();
    const { topology } = await this.opts.service.current();
    const move = planShardMove(topology, shard, toSet);
    const control = this.control();
    return this.opts.operations.start('shard-move', actor.author, (progress) =>
      runSwitchover({
        service: this.opts.service,
        control,
        moves: [move],
        edit: editable,
        author: actor.author,
        ...(actor.role ? { role: actor.role } : {}),
        reason: actor.reason,
        ...(actor.force ? { force: true } : {}),
        action: { kind: 'shard-move', shards: [shard], to: toSet },
        catchUpTimeoutMs: this.opts.catchUpTimeoutMs,
        progress,
      }),
    );
  }

  /** Drains a region or set: its leaders move elsewhere by switchover, and it is flagged drained in the same version. */
  async drain(target: 'region' | 'set', name: string, actor: Actor): Promise<OperationView> {
    this.exclusive();
    const { topology, record } = await this.opts.service.current();
    const plan = planDrain(topology, target, name);
    // Refuse before fencing anything if the drained topology would not validate (e.g. nothing left serving).
    const dry = await this.opts.service.dryRun(plan.document);
    if (!dry.ok) {
      throw ControlPlaneErrors.create('SETGATE_CP_OPERATION_REFUSED', {
        detail: `draining ${target} ${name} would leave an invalid topology: ${dry.problems.map((p) => p.message).join('; ')}`,
        extensions: { problems: dry.problems },
      });
    }
    const action: ChangeAction = { kind: 'drain', target, name };
    const flag = (doc: Topology) => {
      const item = target === 'region' ? doc.regions.find((r) => r.name === name) : doc.sets.find((s) => s.name === name);
      if (item) item.drained = true;
      return doc;
    };
    if (plan.moves.length === 0) {
      return this.opts.operations.start('drain', actor.author, async (progress) => {
        const { record: r } = await this.opts.service.apply({ document: plan.document, baseVersion: record.version, ...who(actor), action });
        progress(`${target} ${name} led no shard; version ${r.version} marks it drained`);
        return { version: r.version, shards: [], maxWritePauseMs: 0 };
      });
    }
    const control = this.control();
    return this.opts.operations.start('drain', actor.author, (progress) => {
      progress(`${plan.moves.length} shard leader(s) leave ${target} ${name}`);
      return runSwitchover({
        service: this.opts.service,
        control,
        moves: plan.moves,
        edit: (cur) => flag(editable(cur)),
        author: actor.author,
        ...(actor.role ? { role: actor.role } : {}),
        reason: actor.reason,
        ...(actor.force ? { force: true } : {}),
        action,
        catchUpTimeoutMs: this.opts.catchUpTimeoutMs,
        progress,
      });
    });
  }

  /** Clears a drain flag: users are sent there again; leaders stay where they are. */
  async undrain(target: 'region' | 'set', name: string, actor: Actor) {
    const { topology, record } = await this.opts.service.current();
    return this.opts.service.apply({
      document: planUndrain(topology, target, name),
      baseVersion: record.version,
      ...who(actor),
      action: { kind: 'undrain', target, name },
    });
  }

  /** Pauses or resumes automated failover (a flag the failover controller obeys). */
  async setFailoverPaused(paused: boolean, actor: Actor) {
    const { topology, record } = await this.opts.service.current();
    return this.opts.service.apply({
      document: planFailoverPause(topology, paused),
      baseVersion: record.version,
      ...who(actor),
      action: { kind: paused ? 'failover-pause' : 'failover-resume' },
    });
  }
}

/** The audit facts of an actor, as a change request takes them. */
const who = (a: Actor) => ({ author: a.author, reason: a.reason, ...(a.role ? { role: a.role } : {}) });
