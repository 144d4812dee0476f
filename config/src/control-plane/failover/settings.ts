import { type LoadedTopology, TopologySchema } from '@setgate/config';

/** The schema's defaults, for documents built in code that leave the timings out (loading fills them). */
const DEFAULTS = {
  probeIntervalMs: TopologySchema.properties.failover.properties.probeIntervalMs.default as number,
  downAfterMs: TopologySchema.properties.failover.properties.downAfterMs.default as number,
};

/** A node must fail this many probes in a row, whatever downAfterMs says: one slow answer is never "down". */
export const MIN_FAILED_PROBES = 3;

/** The failover section as the controller applies it, with the down threshold after its floor. */
export interface FailoverSettings {
  readonly paused: boolean;
  readonly probeIntervalMs: number;
  /** A probe unanswered for this long has failed. */
  readonly probeTimeoutMs: number;
  /** What the document asks for. */
  readonly configuredDownAfterMs: number;
  /** What the controller uses: the configured value, raised to the floor. */
  readonly downAfterMs: number;
  /** replication.leaseMs + replication.ackTimeoutMs. */
  readonly downAfterFloorMs: number;
}

/**
 * Reads the failover settings of a version. downAfterMs is raised to
 * `leaseMs + ackTimeoutMs` (clamped here, not refused, so a replication change
 * cannot make a stored version invalid). Why that floor makes a promotion
 * without a fence safe: a leader admits a write only while it has heard the
 * control plane within leaseMs, and a write it admitted is acknowledged
 * within ackTimeoutMs or not at all. A node the controller cannot reach has
 * either
 * - lost the control plane too: its lease ran out at most leaseMs after the
 *   first failed probe, so after leaseMs + ackTimeoutMs it acknowledges
 *   nothing more, and every write it did acknowledge sits on the in-sync
 *   replicas whose positions are compared now; or
 * - still hears the control plane (one-way partition): then it also hears the
 *   new version from its watch and steps down; see the controller's notes on
 *   that window.
 */
export function failoverSettings(t: LoadedTopology): FailoverSettings {
  const f = t.failover;
  const probeIntervalMs = f.probeIntervalMs ?? DEFAULTS.probeIntervalMs;
  const configured = f.downAfterMs ?? DEFAULTS.downAfterMs;
  const floor = t.replication.leaseMs + t.replication.ackTimeoutMs;
  return {
    paused: f.paused,
    probeIntervalMs,
    // Independent of the interval's lower end: a live node on a loaded machine may take a few hundred ms.
    probeTimeoutMs: Math.max(1000, probeIntervalMs),
    configuredDownAfterMs: configured,
    downAfterMs: Math.max(configured, floor),
    downAfterFloorMs: floor,
  };
}
