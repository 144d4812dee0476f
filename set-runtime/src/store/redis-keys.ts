/**
 * Where a node's shards sit in Redis. Everything lives under
 * `setgate:<nodeId>:`, so several nodes can share one server; per shard:
 * - `…:<shard>:state`  hash  `<collection>\n<key>` → JSON record
 * - `…:<shard>:log`    zset  score lsn → JSON entry (range reads by LSN)
 * - `…:<shard>:idem`   hash  idempotency key → JSON record
 * - `…:<shard>:idemt`  zset  score time → idempotency key (the expiry index)
 * and one `…:meta` hash, shard → JSON bookkeeping, read whole at open.
 */
export interface RedisKeys {
  readonly meta: string;
  readonly state: string;
  readonly log: string;
  readonly idem: string;
  readonly idemTime: string;
}

export function redisKeys(nodeId: string, shard: number): RedisKeys {
  const base = `setgate:${nodeId}`;
  return {
    meta: `${base}:meta`,
    state: `${base}:${shard}:state`,
    log: `${base}:${shard}:log`,
    idem: `${base}:${shard}:idem`,
    idemTime: `${base}:${shard}:idemt`,
  };
}

/** The hash field of a record: collection names cannot hold a newline (see CollectionName). */
export function stateField(collection: string, key: string): string {
  return `${collection}\n${key}`;
}

export function splitField(field: string): { collection: string; key: string } {
  const at = field.indexOf('\n');
  return { collection: field.slice(0, at), key: field.slice(at + 1) };
}
