import { createRedis, type Redis } from '@setgate/redis-client';
import type { StoreClock } from './lmdb-shard.js';
import { redisKeys } from './redis-keys.js';
import { RedisShardStore } from './redis-shard.js';
import type { Durability, NodeStore, ShardStore } from './types.js';
import { EMPTY_META, IDEMPOTENCY_WINDOW_MS, type ShardMeta } from './write-plan.js';

export interface RedisStoreOptions {
  /** `redis://` URL of the server that holds this node. */
  readonly url: string;
  /** AUTH password (resolved from the topology's reference by the caller). */
  readonly password?: string;
  /** The node's id: its keys live under `setgate:<nodeId>:`. */
  readonly nodeId: string;
  readonly idempotencyWindowMs?: number;
  readonly now?: () => number;
  /** group (default): queued writes share one MULTI; fsync: one MULTI per write. */
  readonly durability?: Durability;
  /** How long to wait for the server at open. */
  readonly connectTimeoutMs?: number;
}

/** A node's shards in a Redis server, through the shared ioredis factory. */
export class RedisNodeStore implements NodeStore {
  readonly kind = 'redis';
  private readonly shards = new Map<number, RedisShardStore>();

  private constructor(
    private readonly redis: Redis,
    private readonly nodeId: string,
    private readonly metas: Map<number, ShardMeta>,
    private readonly clock: StoreClock,
  ) {}

  /** Connects and reads every shard's bookkeeping, so positions are known without a round trip. */
  static async open(opts: RedisStoreOptions): Promise<RedisNodeStore> {
    // A store command may move a whole snapshot: give it longer than a rate-limit lookup.
    const password = opts.password === undefined ? {} : { password: opts.password };
    const redis = createRedis(opts.url, { name: `setgate-store-${opts.nodeId}`, commandTimeoutMs: 5000, connectTimeoutMs: 1000, ...password });
    try {
      await waitReady(redis, opts.connectTimeoutMs ?? 5000);
      const raw = await redis.hgetall(redisKeys(opts.nodeId, 0).meta);
      const metas = new Map(Object.entries(raw).map(([k, v]) => [Number(k), JSON.parse(v) as ShardMeta]));
      return new RedisNodeStore(redis, opts.nodeId, metas, {
        now: opts.now ?? Date.now,
        idempotencyWindowMs: opts.idempotencyWindowMs ?? IDEMPOTENCY_WINDOW_MS,
        durability: opts.durability ?? 'group',
      });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
  }

  shard(shard: number): ShardStore {
    if (!Number.isInteger(shard) || shard < 0) throw new RangeError(`invalid shard ${shard}`);
    let s = this.shards.get(shard);
    if (!s) {
      s = new RedisShardStore(shard, this.redis, redisKeys(this.nodeId, shard), this.metas.get(shard) ?? EMPTY_META, this.clock);
      this.shards.set(shard, s);
    }
    return s;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function waitReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
