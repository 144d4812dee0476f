import type { LoadedTopology, PriorityName } from '@setgate/config';

/**
 * Where each priority starts being dropped and where every request of it is,
 * in units of load (1 = the configured in-flight or event-loop threshold).
 * The ramps are staggered so that low goes first and high last; critical has
 * no ramp and is refused only at the hard cap.
 */
const RAMPS: Readonly<Record<Exclude<PriorityName, 'critical'>, readonly [start: number, full: number]>> = {
  low: [1.0, 1.5],
  normal: [1.25, 1.75],
  high: [1.5, 2.0],
};

/** Why a request was shed: the signal that put the load over its ramp, or critical's hard cap. */
export type ShedReason = 'in_flight' | 'event_loop_delay' | 'hard_cap';

export const SHED_REASONS: readonly ShedReason[] = ['in_flight', 'event_loop_delay', 'hard_cap'];

/** The overload signals at one moment. */
export interface LoadSample {
  readonly inFlight: number;
  readonly eventLoopDelayMs: number;
}

/**
 * Priority shedding with random early drop: a request of priority p is dropped
 * with a probability rising linearly from 0 at its ramp's start to 1 at its
 * end, so the gateway sheds gradually instead of flapping at one threshold.
 */
export class ShedPolicy {
  constructor(private readonly policy: LoadedTopology['gateway']['admission']) {}

  /** Load as a multiple of the thresholds: the worse of in-flight and event-loop delay. */
  load(s: LoadSample): number {
    return Math.max(s.inFlight / this.policy.maxInFlight, s.eventLoopDelayMs / this.policy.maxEventLoopDelayMs);
  }

  /** Probability that a request of `priority` is dropped now. */
  dropProbability(priority: PriorityName, s: LoadSample): number {
    if (priority === 'critical') return s.inFlight >= this.policy.criticalHardCap ? 1 : 0;
    const [start, full] = RAMPS[priority];
    const load = this.load(s);
    if (load <= start) return 0;
    return load >= full ? 1 : (load - start) / (full - start);
  }

  /** The reason a request of `priority` shed under `s` is given (for metrics). */
  reason(priority: PriorityName, s: LoadSample): ShedReason {
    if (priority === 'critical') return 'hard_cap';
    return s.inFlight / this.policy.maxInFlight >= s.eventLoopDelayMs / this.policy.maxEventLoopDelayMs ? 'in_flight' : 'event_loop_delay';
  }

  /** True when the request is to be shed; `random` is uniform in [0, 1). */
  shouldShed(priority: PriorityName, s: LoadSample, random: number): boolean {
    const p = this.dropProbability(priority, s);
    return p >= 1 || (p > 0 && random < p);
  }
}
