import { partitionRegion, partitionRegionOneWay, slowLink } from './link-faults.js';
import { configSwap, drainRegion, overload3x, shardMove } from './ops-faults.js';
import { controlPlaneDown, etcdMemberDown, killRegion, killSet, killWritePoint, pauseWritePoint, redisDown } from './process-faults.js';
import type { Scenario } from './scenario.js';

export * from './scenario.js';

/** Every drill scenario by name. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map(
  [killWritePoint, killSet, pauseWritePoint, killRegion, controlPlaneDown, etcdMemberDown, redisDown, shardMove, drainRegion, overload3x, configSwap, partitionRegion, partitionRegionOneWay, slowLink].map((s) => [s.name, s]),
);
