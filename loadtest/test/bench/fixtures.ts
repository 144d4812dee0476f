import type { MeasuredSample } from '../../src/bench/measure.js';

/** A measured sample with plausible defaults; tests override what they check. */
export function sample(over: Partial<MeasuredSample> = {}): MeasuredSample {
  return {
    requests: 1000,
    durationSec: 1,
    reqPerSec: 1000,
    okPerSec: 1000,
    statuses: { '200': 1000 },
    p50Ms: 2,
    p99Ms: 5,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    cpuUsPerRequest: 100,
    processes: [{ name: 'node', pid: 1, cpuUs: 100_000, cpuUsPerRequest: 100 }],
    ...over,
  };
}
