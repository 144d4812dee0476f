import type { LoadedTopology } from '@setgate/config';
import type { Meter } from '@setgate/telemetry';

/** Options of the admission stage. */
export interface AdmissionOptions {
  /** The topology's `gateway.admission`: in-flight and event-loop thresholds, critical cap, Retry-After. */
  readonly policy: LoadedTopology['gateway']['admission'];
  /** Requests one client (subject, else address) may have in flight: `gateway.fairness.maxInFlightPerClient`. */
  readonly maxInFlightPerClient: number;
  /** Where sheds and load are published. */
  readonly meter?: Meter;
  /** Uniform [0, 1) source for early drop; tests fix it. Default Math.random. */
  readonly random?: () => number;
  /** Event-loop delay in ms; tests fix it. Default: sampled from perf_hooks every 200 ms. */
  readonly eventLoopDelayMs?: () => number;
}
