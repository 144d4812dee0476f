import type { Telemetry } from '@setgate/telemetry';
import type { LeaderChangeAudit, VersionRecord } from '../store/config-store.js';

/** Who made an unclean promotion: the failover controller, or an operator with --force-unclean. */
export type LossCause = 'failover' | 'forced';

/** One promotion behind the old leader's last acknowledged position, as `setgate status` lists it. */
export interface LossEntry {
  readonly version: number;
  readonly at: string;
  readonly cause: LossCause;
  readonly shard: number;
  readonly mode: 'sync' | 'async';
  readonly fromNode: string;
  readonly toNode: string;
  /** Region and set of the old leader: where the writes were acknowledged. */
  readonly region: string;
  readonly set: string;
  /** Acknowledged entries the new leader may lack; undefined when a position was unknown. */
  readonly mayBeLost: number | undefined;
}

/** The ledger on `/v1/status` (`setgate status`). */
export interface LossView {
  /** Entries that may be lost on async shards since this control plane started (failover and forced). */
  readonly asyncLostWrites: number;
  /** The same for sync shards: only a forced promotion can lose there. */
  readonly forcedSyncLostWrites: number;
  /** Unclean promotions whose loss could not be computed (a position was unknown). */
  readonly unknownLoss: number;
  /** The last unclean promotions, newest last. */
  readonly recent: readonly LossEntry[];
}

const RECENT = 50;

/**
 * Counts what unclean promotions may have lost. Fed by the config service
 * with every stored version that changed a write-point, so failover and
 * forced operator changes are counted in one place; the audit entry of each
 * version holds the same figures per shard.
 */
export class LossLedger {
  private asyncLost = 0;
  private syncLost = 0;
  private unknown = 0;
  private readonly recent: LossEntry[] = [];
  private logger: Telemetry['logger'] | undefined;
  private asyncCounter: { add(n: number, labels: Record<string, string>): void } | undefined;
  private forcedCounter: { add(n: number, labels: Record<string, string>): void } | undefined;

  /**
   * Logs each unclean promotion and exports the counters
   * `setgate_failover_async_lost_writes_total{region,set,cause}` and
   * `setgate_forced_sync_lost_writes_total{region,set}` (labels bounded by the topology, no shard label).
   */
  attach(telemetry: Pick<Telemetry, 'logger' | 'meter'>): void {
    this.logger = telemetry.logger;
    this.asyncCounter = telemetry.meter.createCounter('setgate_failover_async_lost_writes_total', {
      description:
        "Acknowledged writes (log entries) of async shards that may have been lost because a replica behind the old leader's last acknowledged position was promoted (failover, or forced by an operator).",
    });
    this.forcedCounter = telemetry.meter.createCounter('setgate_forced_sync_lost_writes_total', {
      description: 'Acknowledged writes (log entries) of sync shards that may have been lost by an unclean promotion an operator forced.',
    });
  }

  /** Records the unclean leader changes of a stored version. `where` gives a node's region and set. */
  note(record: VersionRecord, where: (node: string) => { region: string; set: string } | undefined): void {
    const changes = record.leaderChanges ?? [];
    const cause: LossCause = record.forced ? 'forced' : 'failover';
    for (const c of changes) {
      if (c.clean) continue;
      const place = where(c.fromNode) ?? { region: 'unknown', set: 'unknown' };
      const entry: LossEntry = {
        version: record.version,
        at: record.time,
        cause: c.forced ? 'forced' : cause,
        shard: c.shard,
        mode: c.mode,
        fromNode: c.fromNode,
        toNode: c.toNode,
        region: place.region,
        set: place.set,
        mayBeLost: c.mayBeLost,
      };
      this.count(entry, c);
    }
  }

  private count(e: LossEntry, c: LeaderChangeAudit): void {
    if (e.mayBeLost === undefined) this.unknown += 1;
    else if (e.mode === 'async') {
      this.asyncLost += e.mayBeLost;
      this.asyncCounter?.add(e.mayBeLost, { region: e.region, set: e.set, cause: e.cause });
    } else {
      this.syncLost += e.mayBeLost;
      this.forcedCounter?.add(e.mayBeLost, { region: e.region, set: e.set });
    }
    this.recent.push(e);
    this.recent.splice(0, Math.max(0, this.recent.length - RECENT));
    this.logger?.warn(
      {
        version: e.version,
        shard: e.shard,
        mode: e.mode,
        cause: e.cause,
        fromNode: e.fromNode,
        toNode: e.toNode,
        oldLeaderAt: c.oldLeaderAt,
        newLeaderAt: c.newLeaderAt,
        mayBeLost: e.mayBeLost ?? 'unknown',
      },
      e.mayBeLost === undefined
        ? 'unclean promotion: how many acknowledged writes may be lost is unknown'
        : `unclean promotion: up to ${e.mayBeLost} acknowledged write(s) may be lost`,
    );
  }

  view(): LossView {
    return { asyncLostWrites: this.asyncLost, forcedSyncLostWrites: this.syncLost, unknownLoss: this.unknown, recent: [...this.recent] };
  }
}
