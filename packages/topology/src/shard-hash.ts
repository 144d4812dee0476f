const encoder = new TextEncoder();

/**
 * The one shard function: FNV-1a (32-bit) over the key's UTF-8 bytes, mod shardCount.
 * Fixed forever for a deployment: rebalancing moves shards, never rehashes keys.
 */
export function shardOf(key: string, shardCount: number): number {
  let h = 0x811c9dc5;
  const bytes = encoder.encode(key);
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shardCount;
}
