import type { CheckReport, Op } from './checker/index.js';
import type { FailoverEvent } from './control-plane.js';
import type { CutOffUsers } from './cut-off-users.js';
import type { ShardRecovery } from './recovery.js';
import type { Second } from './timeline.js';

/** A moment worth marking on the timeline (ms since the run's start). */
export interface Marker {
  readonly tMs: number;
  readonly kind: 'fault' | 'heal' | 'healed' | 'failover' | 'load-stop';
  readonly label: string;
}

/** A violation with the operations that show it, as the report keeps it. */
export interface ReportedViolation {
  readonly check: string;
  readonly key?: string;
  readonly shard?: number;
  readonly detail: string;
  readonly ops: readonly Op[];
}

/** Everything one drill run measured and found. */
export interface RunReport {
  readonly scenario: string;
  readonly seed: number;
  readonly run: number;
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why it was skipped, or what failed. */
  readonly reason?: string;
  readonly startedAt: string;
  readonly config: {
    readonly durationS: number;
    readonly users: number;
    readonly surgeUsers: number;
    /** Probe writers started after the fault, one per affected shard (absent in reports from before them). */
    readonly probeWriters?: number;
    /** A probe writer's pause between one put's answer and the next, ms. */
    readonly probeEveryMs?: number;
    readonly thinkMs: number;
    readonly shardCount: number;
    readonly leaseMs: number;
  };
  readonly fault?: {
    readonly atMs: number;
    readonly healAtMs?: number;
    readonly healedAtMs?: number;
    readonly description: string;
    readonly targets: readonly string[];
    readonly affectedShards: readonly number[];
  };
  readonly markers: readonly Marker[];
  readonly timeline: readonly Second[];
  readonly errors: ReadonlyArray<{ readonly error: string; readonly count: number }>;
  readonly throughput: { readonly opsPerS: number; readonly okWritesPerS: number; readonly okReadsPerS: number; readonly p99Ms: number };
  readonly recovery: {
    /** Fault → writes on every affected shard succeed again (max over shards); null: some shard never recovered during the load. */
    readonly rtoMs: number | null;
    /** Fault → the last failed write on an affected shard was sent (max over shards): RTO's lower bound. */
    readonly lastFailedSentMs: number | null;
    /** Fault → the control plane published the last of this run's new leaders (its own clock; null: no failover). */
    readonly publishedMs: number | null;
    readonly writePauseMs: number;
    readonly disruptedShards: number;
    readonly shards: readonly ShardRecovery[];
  };
  /** partition-region: where the cut-off region's users went and how their ops ended while it was cut off. */
  readonly cutOffUsers?: CutOffUsers;
  readonly failovers: ReadonlyArray<FailoverEvent & { readonly tMs: number }>;
  readonly asyncLoss: {
    /** What the system reported: entries the promoted replicas lacked on async shards (failover records). */
    readonly reported: number;
    /** What the checker found: acknowledged writes lost on async shards. */
    readonly measured: number;
    readonly asyncShards: number;
  };
  readonly convergence?: { readonly converged: boolean; readonly waitedMs: number };
  readonly checks?: Omit<CheckReport, 'violations'> & { readonly violations: readonly ReportedViolation[]; readonly violationsTotal: number };
}

/** Across runs of one scenario. */
export interface DrillSummary {
  readonly scenario: string;
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly rtoMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null; readonly unrecovered: number; readonly values: ReadonlyArray<number | null> };
  readonly writePauseMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  /** The per-run lower bound of RTO (the last failed write sent) and the control plane's publish time. */
  readonly lastFailedSentMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly publishedMs: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
  readonly violations: Readonly<Record<string, number>>;
  readonly ackedWrites: number;
  readonly failovers: number;
}
