import { type NodeRef, shardOf, type TopologyView } from '@setgate/topology';

/** A shard key together with where it is written. */
export interface PlacedKey {
  readonly key: string;
  readonly shard: number;
  readonly writePoint: NodeRef;
}

/**
 * The first key `<prefix><n>` (n = 0, 1, …) whose shard's write-point is in
 * `region`: deterministic, so runs compare like with like.
 */
export function keyLedInRegion(view: TopologyView, region: string, prefix = 'bench-user-', maxTries = 100_000): PlacedKey {
  for (let n = 0; n < maxTries; n++) {
    const key = `${prefix}${n}`;
    const shard = shardOf(key, view.shardCount);
    const writePoint = view.writePoint(shard);
    if (writePoint.region === region) return { key, shard, writePoint };
  }
  throw new Error(`no key among ${maxTries} candidates has its write-point in region ${region}`);
}
