export { createNodeApp, type NodeAppOptions } from './app.js';
export { type Cart, type CartItem, type CartSummary, MAX_CART_LINES, MAX_LINE_QTY } from './commands/cart-model.js';
export { CART_COLLECTION } from './commands/cart-routes.js';
export { PROFILE_COLLECTION, type Profile } from './commands/profile-routes.js';
export { type NodeErrorCode, NodeErrors } from './errors.js';
export type { ShardRoute } from './http/shard-route.js';
export { buildNode, IDEMPOTENCY_PRUNE_INTERVAL_MS, LOG_TRIM_INTERVAL_MS, type NodeOptions, type SetNode } from './node.js';
export { Ownership } from './ownership.js';
export { type NodeStatusReport, nodeStatus } from './status.js';
export { LmdbNodeStore, type LmdbStoreOptions } from './store/lmdb-store.js';
export { openNodeStore, type StoreSettings } from './store/open-store.js';
export { RedisNodeStore, type RedisStoreOptions } from './store/redis-store.js';
export { hashState } from './store/replica-plan.js';
export { Replicator } from './replication/replicator.js';
export { TopologyUpdates } from './topology-updates.js';
export * from './store/types.js';
export {
  EMPTY_META,
  IDEMPOTENCY_WINDOW_MS,
  type IdempotencyRecord,
  type PlanInput,
  planWrite,
  positionOf,
  type ShardMeta,
  type WritePlan,
} from './store/write-plan.js';
