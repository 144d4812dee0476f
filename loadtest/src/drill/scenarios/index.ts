import { partitionRegion, partitionRegionOneWay, slowLink } from './link-faults.js';
import { drainRegion, overload3x, shardMove } from './ops-faults.js';
import { controlPlaneDown, killRegion, killWritePoint, pauseWritePoint, redisDown } from './process-faults.js';
import type { Scenario } from './scenario.js';

export * from './scenario.js';

/** Every drill scenario by name. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [killWritePoint, pauseWritePoint, killRegion, controlPlaneDown, redisDown, shardMove, drainRegion, overload3x, partitionRegion, partitionRegionOneWay, slowLink].map((s) => [s.name, s]),
);
