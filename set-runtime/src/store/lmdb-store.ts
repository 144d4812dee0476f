import { type LmdbLayout, openLayout } from './lmdb-layout.js';
import { LmdbShardStore, type StoreClock } from './lmdb-shard.js';
import type { Durability, NodeStore, ShardStore } from './types.js';
import { IDEMPOTENCY_WINDOW_MS } from './write-plan.js';

export interface LmdbStoreOptions {
  /** Directory of this node's environment (`<dataDir>/<nodeId>`). */
  readonly dir: string;
  /** How long idempotency keys are remembered; defaults to IDEMPOTENCY_WINDOW_MS. */
  readonly idempotencyWindowMs?: number;
  /** Wall clock for log entry times and idempotency expiry; defaults to Date.now. */
  readonly now?: () => number;
  /** group (default): concurrent writes share one synced commit; fsync: one synced commit per write. */
  readonly durability?: Durability;
}

/** A node's shards in one LMDB environment (embedded, no server). */
export class LmdbNodeStore implements NodeStore {
  readonly kind = 'lmdb';
  private readonly shards = new Map<number, LmdbShardStore>();
  private readonly clock: StoreClock;

  private constructor(
    private readonly layout: LmdbLayout,
    opts: LmdbStoreOptions,
  ) {
    this.clock = {
      now: opts.now ?? Date.now,
      idempotencyWindowMs: opts.idempotencyWindowMs ?? IDEMPOTENCY_WINDOW_MS,
      durability: opts.durability ?? 'group',
    };
  }

  /** Opens the environment, creating the directory on first use; what was committed before is there again. */
  static open(opts: LmdbStoreOptions): LmdbNodeStore {
    return new LmdbNodeStore(openLayout(opts.dir), opts);
  }

  shard(shard: number): ShardStore {
    if (!Number.isInteger(shard) || shard < 0) throw new RangeError(`invalid shard ${shard}`);
    let s = this.shards.get(shard);
    if (!s) {
      s = new LmdbShardStore(shard, this.layout, this.clock);
      this.shards.set(shard, s);
    }
    return s;
  }

  /** Waits for queued writes to commit, then closes the environment. */
  async close(): Promise<void> {
    await this.layout.root.close();
  }
}
