import { defineErrors } from '@setgate/contracts';

/**
 * Every error a set-runtime node answers with, besides the common ones
 * (404 route, 413 body, 415 media type) that service-kit maps.
 */
export const NodeErrors = defineErrors({
  /** The body or a parameter failed its JSON schema; the problem names the field. */
  SETGATE_NODE_INVALID_REQUEST: { status: 400, title: 'Invalid request' },
  /** `/state/:shard/:key` named a shard other than shardOf(key). */
  SETGATE_NODE_WRONG_SHARD: { status: 400, title: 'Shard does not match key' },
  /** A malformed If-Match, If-None-Match, Idempotency-Key or x-setgate-epoch header. */
  SETGATE_NODE_BAD_HEADER: { status: 400, title: 'Malformed header' },
  SETGATE_NODE_KEY_NOT_FOUND: { status: 404, title: 'No such key' },
  SETGATE_NODE_ITEM_NOT_FOUND: { status: 404, title: 'No such cart item' },
  /** The request's epoch is older than the shard's: the caller follows a deposed write-point. */
  SETGATE_NODE_STALE_EPOCH: { status: 409, title: 'Stale epoch' },
  /** If-Match / If-None-Match did not hold; the problem carries the current version. */
  SETGATE_NODE_PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  /** This node holds no replica of the key's shard. */
  SETGATE_NODE_SHARD_NOT_HELD: { status: 421, title: 'Shard not held by this node' },
  /** A write reached a replica that is not the shard's write-point. */
  SETGATE_NODE_NOT_WRITE_POINT: { status: 421, title: 'Not the write-point of this shard' },
  /** An idempotency key was reused for a different request. */
  SETGATE_NODE_IDEMPOTENCY_CONFLICT: { status: 422, title: 'Idempotency key reused for another request' },
  /** A cart line would exceed its quantity, or the cart its line count. */
  SETGATE_NODE_CART_LIMIT: { status: 422, title: 'Cart limit exceeded' },
  /** The read's x-setgate-min-position was not reached within replication.readWaitMs; the problem names the write-point. */
  SETGATE_NODE_BEHIND_POSITION: { status: 409, title: 'Replica behind the requested position' },
  /** This replica is staler than the read's x-setgate-max-staleness-ms. */
  SETGATE_NODE_TOO_STALE: { status: 409, title: 'Replica too stale' },
  /** A topology older than the one in force was offered; the problem carries the current version. */
  SETGATE_NODE_STALE_CONFIG: { status: 409, title: 'Config version older than the current one' },
  /** A topology document failed validation; `problems` lists every one. */
  SETGATE_NODE_INVALID_CONFIG: { status: 400, title: 'Invalid topology document' },
  /**
   * The traffic listener was called without the stack's hop secret (`authorization: Bearer`):
   * only gateways (and setgate's own tools) may reach a node. Nothing was read or written.
   */
  SETGATE_NODE_HOP_UNAUTHENTICATED: { status: 401, title: 'Hop credential missing or wrong' },
  /** An internal endpoint was called without the shared internal token. */
  SETGATE_NODE_UNAUTHORIZED: { status: 401, title: 'Internal token missing or wrong' },
  /** A sync shard has fewer in-sync replicas (by its placement rule) than minInsync: nothing was written. Retry later. */
  SETGATE_NODE_NOT_ENOUGH_REPLICAS: { status: 503, title: 'Not enough in-sync replicas' },
  /**
   * A sync write was appended on the write-point but its replicas did not confirm it within
   * replication.ackTimeoutMs: the outcome is unknown. Retry with the same idempotency key.
   */
  SETGATE_NODE_REPLICATION_TIMEOUT: { status: 503, title: 'Replicas did not confirm the write in time' },
  /** The write-point has not heard the current config within its lease and stopped accepting writes. */
  SETGATE_NODE_LEASE_EXPIRED: { status: 503, title: 'Write-point lease expired' },
  /**
   * The write was appended but the lease ran out before it could be acknowledged (its replicas
   * confirmed late, or the process was frozen): the outcome is unknown. Retry with the same idempotency key.
   */
  SETGATE_NODE_LEASE_LOST_UNCONFIRMED: { status: 503, title: 'Lease ran out before the write was acknowledged' },
  /** The control plane fenced this write-point for the shard (a switchover is under way). */
  SETGATE_NODE_FENCED: { status: 503, title: 'Shard fenced on this node' },
  /**
   * A fence named an epoch newer than any this node knows for the shard (its config's placement
   * and its log): no leader change can be fencing it there yet. Refused so a fence cannot block
   * the shard's writes on this node for good; the control plane retries once the node has the version.
   */
  SETGATE_NODE_FENCE_AHEAD: { status: 409, title: 'Fence epoch ahead of the shard' },
});

export type NodeErrorCode = keyof typeof NodeErrors.catalogue;
