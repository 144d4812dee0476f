import { shardOf } from '@setgate/topology';

/** One drill user: a subject with its own token, key (the shop commands key by subject) and home region. */
export interface DrillUser {
  readonly id: string;
  readonly shard: number;
  readonly homeRegion: string;
}

/**
 * Picks user ids so that every shard holds `perShard` users (each shard's
 * write-point is exercised, so RTO is measured on every affected shard), and
 * spreads them over the regions round-robin.
 */
export function pickUsers(prefix: string, shardCount: number, perShard: number, regions: readonly string[]): DrillUser[] {
  const count = new Array<number>(shardCount).fill(0);
  const users: DrillUser[] = [];
  for (let n = 0; users.length < shardCount * perShard; n++) {
    const id = `${prefix}${n}`;
    const shard = shardOf(id, shardCount);
    if ((count[shard] ?? 0) >= perShard) continue;
    count[shard] = (count[shard] ?? 0) + 1;
    users.push({ id, shard, homeRegion: regions[users.length % regions.length] as string });
  }
  return users;
}
