import { type LoadedTopology, TopologySchema } from '@setgate/config';

const F = TopologySchema.properties.failover.properties;
/** The schema's defaults, for documents built in code that leave the timings out (loading fills them). */
const DEFAULTS = {
  probeIntervalMs: F.probeIntervalMs.default as number,
  downAfterMs: F.downAfterMs.default as number,
  slowDownAfterMs: F.slowDownAfterMs.default as number,
  clockDriftMs: F.clockDriftMs.default as number,
  witnessQuorum: F.witnessQuorum.default as number,
  witnessRegions: F.witnessRegions.default as number,
  startupGraceMs: F.startupGraceMs.default as number,
  holdDownMs: F.holdDownMs.default as number,
  maxFailoversPerMinute: F.maxFailoversPerMinute.default as number,
};

/** A node must fail this many checks in a row, whatever downAfterMs says: one slow answer is never "down". */
export const MIN_FAILED_PROBES = 3;

/** How often the full /status of a node is read (positions, followers) when the probe has a cheaper liveness check. */
export const STATUS_EVERY_MS = 2000;

/** The failover section as the controller applies it. */
export interface FailoverSettings {
  readonly paused: boolean;
  readonly probeIntervalMs: number;
  /** A check unanswered for this long has failed. */
  readonly probeTimeoutMs: number;
  /** What the document asks for. */
  readonly configuredDownAfterMs: number;
  /** What the controller uses: the configured value, raised to the floor. */
  readonly downAfterMs: number;
  /** (MIN_FAILED_PROBES − 1) × probeIntervalMs: below it the 3-in-a-row rule decides anyway. */
  readonly downAfterFloorMs: number;
  /** downAfterMs when some witness saw a timeout rather than a refusal. */
  readonly slowDownAfterMs: number;
  /** replication.leaseMs: how long a grant of the control plane lets a node acknowledge. */
  readonly leaseMs: number;
  readonly clockDriftMs: number;
  readonly witnessQuorum: number;
  readonly witnessRegions: number;
  readonly startupGraceMs: number;
  readonly holdDownMs: number;
  readonly maxFailoversPerMinute: number;
}

/**
 * Reads the failover settings of a version.
 *
 * Why a promotion without a fence is safe (the argument in full is in
 * lease-grants.ts and set-runtime/src/replication/lease.ts): the controller
 * promotes only once the old leader's lease has SURELY run out — leaseMs +
 * clockDriftMs after the control plane last answered its watch — and a node
 * checks its lease both when it admits a write and right before it
 * acknowledges one. So detection (downAfterMs) no longer has to be longer
 * than the lease: the two run side by side, and the RTO after a kill is about
 * max(downAfterMs + a check, leaseMs + clockDriftMs) plus the publish.
 */
export function failoverSettings(t: LoadedTopology): FailoverSettings {
  const f = t.failover;
  const probeIntervalMs = f.probeIntervalMs ?? DEFAULTS.probeIntervalMs;
  const configured = f.downAfterMs ?? DEFAULTS.downAfterMs;
  const floor = (MIN_FAILED_PROBES - 1) * probeIntervalMs;
  const downAfterMs = Math.max(configured, floor);
  return {
    paused: f.paused,
    probeIntervalMs,
    // Independent of the interval's lower end: a live node on a loaded machine may take a few hundred ms.
    probeTimeoutMs: Math.max(1000, probeIntervalMs),
    configuredDownAfterMs: configured,
    downAfterMs,
    downAfterFloorMs: floor,
    slowDownAfterMs: Math.max(downAfterMs, f.slowDownAfterMs ?? DEFAULTS.slowDownAfterMs),
    leaseMs: t.replication.leaseMs,
    clockDriftMs: f.clockDriftMs ?? DEFAULTS.clockDriftMs,
    witnessQuorum: f.witnessQuorum ?? DEFAULTS.witnessQuorum,
    witnessRegions: f.witnessRegions ?? DEFAULTS.witnessRegions,
    startupGraceMs: f.startupGraceMs ?? DEFAULTS.startupGraceMs,
    holdDownMs: f.holdDownMs ?? DEFAULTS.holdDownMs,
    maxFailoversPerMinute: f.maxFailoversPerMinute ?? DEFAULTS.maxFailoversPerMinute,
  };
}
