import {
  type Comparison,
  type ConfigProblem,
  checkTransition,
  compareTopologies,
  type LoadedTopology,
  type Topology,
  validateTopology,
} from '@setgate/config';
import { TopologyView } from '@setgate/topology';
import { ControlPlaneErrors } from './errors.js';
import { leaderChangesBetween } from './ops/leader-verdict.js';
import { LossLedger } from './ops/loss-ledger.js';
import type { AuditRole, ChangeAction, ConfigStore, LeaderChangeAudit, VersionRecord } from './store/config-store.js';

/** The current version, its record and its validated document. */
export interface CurrentConfig {
  readonly record: VersionRecord;
  readonly topology: LoadedTopology;
}

/** Outcome of a dry run: refused with every problem, or accepted with its diff and impact. */
export type DryRun =
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] }
  | { readonly ok: true; readonly topology: LoadedTopology; readonly comparison: Comparison; readonly baseVersion: number };

/** A change request: the document, the version it was edited from, and the audit facts. */
export interface ChangeRequest {
  readonly document: unknown;
  /** The version the caller edited; the change is refused (409) if the config has moved on. */
  readonly baseVersion: number;
  readonly author: string;
  /** The author's role, audited with the version; absent: `system` (the control plane's own changes). */
  readonly role?: AuditRole;
  readonly reason: string;
  readonly action: ChangeAction;
  /** Called with the diff before anything is stored; throws to refuse (e.g. a role too low for the sections touched). */
  readonly guard?: (comparison: Comparison) => void;
  /**
   * The leader-change protocol's account of every write-point this change
   * moves (ops/leader-protocol.ts, or the failover controller's decision). A
   * change that moves a write-point without one is refused: no path may skip
   * the fence and the proof of position.
   */
  readonly leaderChanges?: readonly LeaderChangeAudit[];
  /** An operator forced an unclean leader change. */
  readonly forced?: boolean;
}

/** 422 with every problem of a refused document. */
export const invalidDocument = (problems: readonly ConfigProblem[]) =>
  ControlPlaneErrors.create('SETGATE_CP_INVALID_DOCUMENT', {
    detail: `refused with ${problems.length} problem(s): ${problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}`,
    extensions: { problems },
  });

/**
 * The control plane's one writer: validates documents against the schema,
 * the semantics and the current version, numbers them, stores them with their
 * audit facts, and wakes up watchers. Nothing here knows about HTTP.
 */
export class ConfigService {
  private cached: CurrentConfig | undefined;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly store: ConfigStore,
    private readonly now: () => Date = () => new Date(),
    /** What unclean promotions may have lost, counted from every stored version that changed a write-point (shareable between services on one store). */
    readonly losses: LossLedger = new LossLedger(),
  ) {
    this.unsubscribe = store.subscribe(() => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** Stores `seed` as version 1 when the store is empty; otherwise keeps what is stored. */
  async bootstrap(seed: LoadedTopology, source: string): Promise<CurrentConfig> {
    if ((await this.store.latestVersion()) === 0) {
      const document = { ...structuredClone(seed as Topology), version: 1 };
      const record: VersionRecord = {
        version: 1,
        author: 'bootstrap',
        role: 'system',
        reason: `initial version from ${source}`,
        time: this.now().toISOString(),
        action: { kind: 'bootstrap', source },
        changes: [],
        document,
      };
      // A concurrent bootstrap by another control plane is fine: version 1 then exists either way.
      await this.store.append(record);
    }
    return this.current();
  }

  /** The newest version, validated once and cached until a newer one appears. */
  async current(): Promise<CurrentConfig> {
    const latest = await this.store.latestVersion();
    if (this.cached && this.cached.record.version === latest) return this.cached;
    const record = await this.store.get(latest);
    if (!record) throw ControlPlaneErrors.create('SETGATE_CP_STORE_UNAVAILABLE', { detail: 'the store holds no version yet' });
    const result = validateTopology(record.document);
    if (!result.ok) {
      throw ControlPlaneErrors.create('SETGATE_CP_STORE_UNAVAILABLE', {
        detail: `stored version ${latest} no longer validates`,
        extensions: { problems: result.problems },
      });
    }
    this.cached = { record, topology: result.topology };
    return this.cached;
  }

  /** Validates `document` as the successor of the current version, without storing anything. */
  async dryRun(document: unknown): Promise<DryRun> {
    const { record, topology: current } = await this.current();
    // The control plane numbers versions: whatever version the caller sent, this one is the next.
    const numbered =
      typeof document === 'object' && document !== null && !Array.isArray(document)
        ? { ...document, version: record.version + 1 }
        : document;
    const next = validateTopology(numbered);
    if (!next.ok) return next;
    const problems = checkTransition(current, next.topology);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, topology: next.topology, comparison: compareTopologies(current, next.topology), baseVersion: record.version };
  }

  /**
   * Stores a change as the next version. Throws SETGATE_CP_VERSION_CONFLICT when
   * `baseVersion` is not the newest, SETGATE_CP_INVALID_DOCUMENT with every problem,
   * SETGATE_CP_NO_CHANGE for a document equal to the current one.
   */
  async apply(req: ChangeRequest): Promise<{ record: VersionRecord; comparison: Comparison }> {
    const latest = await this.store.latestVersion();
    if (req.baseVersion !== latest) throw versionConflict(req.baseVersion, latest);
    const dry = await this.dryRun(req.document);
    if (!dry.ok) throw invalidDocument(dry.problems);
    if (dry.baseVersion !== req.baseVersion) throw versionConflict(req.baseVersion, dry.baseVersion);
    if (dry.comparison.changes.length === 0) {
      throw ControlPlaneErrors.create('SETGATE_CP_NO_CHANGE', { detail: `version ${latest} already is this document` });
    }
    req.guard?.(dry.comparison);
    const current = (await this.current()).topology;
    const accounted = new Set((req.leaderChanges ?? []).map((c) => c.shard));
    const unproven = leaderChangesBetween(current, dry.topology).filter((c) => !accounted.has(c.shard));
    if (unproven.length > 0) {
      throw ControlPlaneErrors.create('SETGATE_CP_LEADER_CHANGE_UNPROVEN', {
        detail: `shard(s) ${unproven.map((c) => `${c.shard} (${c.fromNode} → ${c.toNode})`).join(', ')} would change write-point without the leader-change protocol (fence, proof of position, epoch + 1)`,
        extensions: { shards: unproven.map((c) => c.shard) },
      });
    }
    const record: VersionRecord = {
      version: req.baseVersion + 1,
      author: req.author,
      role: req.role ?? 'system',
      reason: req.reason,
      time: this.now().toISOString(),
      action: req.action,
      changes: dry.comparison.changes,
      document: dry.topology as Topology,
      ...(req.leaderChanges && req.leaderChanges.length > 0 ? { leaderChanges: req.leaderChanges } : {}),
      ...(req.forced ? { forced: true } : {}),
    };
    const stored = await this.store.append(record);
    if (!stored.ok) throw versionConflict(req.baseVersion, stored.current);
    this.cached = { record, topology: dry.topology };
    if (record.leaderChanges) {
      const view = new TopologyView(current);
      this.losses.note(record, (id) => view.node(id));
    }
    return { record, comparison: dry.comparison };
  }

  /**
   * Makes version `to`'s document current again, as a new audited version.
   * Everything is restored exactly except epochs, which never go back (a node
   * at epoch e refuses anything older): each shard keeps its current epoch, and
   * one whose leader changes back gets current epoch + 1.
   */
  async rollback(to: number, req: Omit<ChangeRequest, 'document' | 'action'>): Promise<{ record: VersionRecord; comparison: Comparison }> {
    const document = await this.rollbackDocument(to, (await this.current()).topology);
    return this.apply({ ...req, document, action: { kind: 'rollback', to } });
  }

  /**
   * Version `to`'s document as the successor of `current`: everything as it
   * was except epochs, which never go back; a shard whose leader changes back
   * gets current epoch + 1. The leader-change protocol publishes it when
   * write-points change (ops-service.ts).
   */
  async rollbackDocument(to: number, topology: LoadedTopology): Promise<Topology> {
    const target = await this.store.get(to);
    if (!target) throw ControlPlaneErrors.create('SETGATE_CP_VERSION_NOT_FOUND', { detail: `version ${to} does not exist` });
    const now = new Map(topology.placements.map((p) => [p.shard, p]));
    const document = structuredClone(target.document);
    for (const p of document.placements) {
      const q = now.get(p.shard);
      if (!q) continue;
      const moved = q.leader !== p.leader || (q.leaderNode ?? null) !== (p.leaderNode ?? null);
      p.epoch = moved ? Math.max(p.epoch, q.epoch + 1) : Math.max(p.epoch, q.epoch);
    }
    return document;
  }

  /** The newest record once it is past `after`, or undefined after `timeoutMs` without a change. */
  async waitForChange(after: number, timeoutMs: number, signal?: AbortSignal): Promise<VersionRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const latest = await this.store.latestVersion();
      // Handed out as stored: every component validates it again with its own schema before swapping.
      if (latest > after) return this.store.get(latest);
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted || this.closed) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  close(): void {
    // Called when the API starts closing (to release watches) and again at shutdown.
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const wake of [...this.waiters]) wake();
  }
}

/** 409: the caller edited an older version than the current one. */
export function versionConflict(base: number, current: number) {
  return ControlPlaneErrors.create('SETGATE_CP_VERSION_CONFLICT', {
    detail: `edited from version ${base} but the current version is ${current}; fetch it, reapply your edit and retry`,
    extensions: { baseVersion: base, currentVersion: current },
  });
}
