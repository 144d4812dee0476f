import type { Promotion } from './decide.js';
import type { StartupState } from './flap-guard.js';
import type { LeaseGrantView } from './lease-grants.js';
import type { HealthState, NodeAction } from './node-health.js';
import type { WitnessVote } from './witness.js';

/** One probed node in the controller's status. */
export interface NodeHealthView {
  readonly node: string;
  readonly set: string;
  readonly region: string;
  /** Shards whose write-point it is in the current version. */
  readonly leads: readonly number[];
  readonly state: HealthState;
  /** ISO time the state began (for down: when it was declared down). */
  readonly since: string;
  readonly consecutiveFailures: number;
  /** ms since its first failed probe of the current run; 0 while it answers. */
  readonly unreachableMs: number;
  readonly lastOkAt?: string;
  /** When the full status behind its last known positions was requested: every write it acknowledged before then is in them. */
  readonly positionsAsOf?: string;
  readonly lastError?: string;
  readonly lastAction?: NodeAction;
  /** ms a quorum of witnesses has found it unreachable in every round; 0 when none does now. */
  readonly quorumForMs: number;
  /** The witnesses' votes of the last round that asked them (only after a failed check). */
  readonly votes?: readonly WitnessVote[];
  /** The lease the control plane last granted it (present when leases are tracked). */
  readonly lease?: LeaseGrantView;
}

/** A shard leadership the controller moved, as `/status` lists the recent ones. */
export interface FailoverRecord extends Promotion {
  readonly at: string;
  readonly version: number;
  readonly unreachableMs: number;
  /** Who saw what, when: the witnesses' votes, how long the quorum held, the lease waited for. */
  readonly evidence?: string;
}

/** The controller's state on the control plane's `/status` and `/v1/status`. */
export interface FailoverStatus {
  readonly running: boolean;
  readonly paused: boolean;
  readonly probeIntervalMs: number;
  readonly downAfterMs: { readonly configured: number; readonly effective: number; readonly floor: number };
  readonly lastRoundAt?: string;
  /** Down write-points left alone because automated failover is paused. */
  readonly suppressed: ReadonlyArray<{ readonly node: string; readonly downSince: string; readonly unreachableMs: number; readonly shards: readonly number[] }>;
  readonly nodes: readonly NodeHealthView[];
  /** The last promotions, newest last. */
  readonly recent: readonly FailoverRecord[];
  /** No decision before every node was seen and the grace has passed. */
  readonly startup?: StartupState;
  readonly witnesses?: {
    readonly quorum: number;
    readonly regions: number;
    readonly panel: ReadonlyArray<{ readonly witness: string; readonly region: string }>;
    /** The controller's own longest event-loop stall in its last round (above half a check's timeout it does not vote). */
    readonly controllerLagMs: number;
  };
  readonly lease?: { readonly leaseMs: number; readonly clockDriftMs: number; readonly tracked: boolean };
  readonly holdDown?: { readonly holdDownMs: number; readonly shards: ReadonlyArray<{ readonly shard: number; readonly remainingMs: number }> };
  readonly cap?: { readonly maxFailoversPerMinute: number; readonly lastMinute: number };
}
