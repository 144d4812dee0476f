import { Header } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import type { FastifyRequest } from 'fastify';
import { NodeErrors } from '../errors.js';
import type { Ownership } from '../ownership.js';
import type { Replicator } from '../replication/replicator.js';
import type { NodeStore, ShardStore } from '../store/types.js';
import type { ReadWaitMetrics } from './read-wait-metrics.js';
import { parseEpochHeader } from './request-headers.js';

/** How a request reached one of this node's shards; its fields become the x-setgate-* response headers. */
export interface ShardRoute {
  readonly shard: number;
  readonly store: ShardStore;
  readonly role: 'leader' | 'follower';
  /** The shard's current epoch: the placement's, or a newer one already in the log. */
  readonly epoch: number;
  /** The write's LSN once applied; the shard's applied LSN for a read. */
  lsn: number;
  readonly replicator: Replicator;
  /** Reads only: how stale this replica is (x-setgate-staleness-ms, x-setgate-lag-entries). */
  freshness?: { readonly stalenessMs: number; readonly lagEntries: number };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the request is routed to a shard; null for routes without one. */
    shardRoute: ShardRoute | null;
  }
}

/** What routing a request needs from the node. */
export interface RoutingDeps {
  readonly ownership: Ownership;
  readonly store: NodeStore;
  readonly replicator: Replicator;
  /** Counts reads that waited for their session position; omitted in tests that do not look. */
  readonly readWaits?: ReadWaitMetrics;
}

/**
 * Routes a request for `key` to its shard on this node, or refuses it:
 * 400 when the caller named a shard other than the key's, 421 when this node
 * does not hold the shard (or is not its write-point, for a write), 409 when
 * the caller's epoch is older than the shard's. The shard is always
 * recomputed from the key; the caller's claim is only checked.
 */
export function routeShard(
  deps: RoutingDeps,
  request: FastifyRequest,
  key: string,
  access: 'read' | 'write',
  claimedShard?: string,
): ShardRoute {
  const { ownership } = deps;
  const view = ownership.view;
  const shard = shardOf(key, view.shardCount);
  if (claimedShard !== undefined && Number(claimedShard) !== shard) {
    throw NodeErrors.create('SETGATE_NODE_WRONG_SHARD', {
      detail: `key "${key}" belongs to shard ${shard}, not ${claimedShard}`,
      extensions: { shard },
    });
  }
  const misdirected = !ownership.holds(shard, view)
    ? 'SETGATE_NODE_SHARD_NOT_HELD'
    : access === 'write' && !ownership.isWritePoint(shard, view)
      ? 'SETGATE_NODE_NOT_WRITE_POINT'
      : undefined;
  if (misdirected) {
    const owner = ownership.owner(shard, view);
    throw NodeErrors.create(misdirected, {
      detail: `shard ${shard} is written at ${owner.node} (${owner.set}) in config version ${view.version}`,
      extensions: { shard, owner, configVersion: view.version },
      headers: { [Header.configVersion]: String(view.version) },
    });
  }

  const store = deps.store.shard(shard);
  const position = store.position();
  const placed = view.placement(shard).epoch;
  // A write is made at the config's epoch: a log already in a newer one (this node's config is behind) fences it.
  const epoch = access === 'write' ? placed : Math.max(placed, position.epoch);
  const route: ShardRoute = {
    shard,
    store,
    role: ownership.isWritePoint(shard, view) ? 'leader' : 'follower',
    epoch,
    lsn: position.lsn,
    replicator: deps.replicator,
  };
  request.shardRoute = route;

  const callerEpoch = parseEpochHeader(request.headers);
  if (callerEpoch !== undefined && callerEpoch < epoch) {
    throw NodeErrors.create('SETGATE_NODE_STALE_EPOCH', {
      detail: `shard ${shard} is at epoch ${epoch}; the request carries epoch ${callerEpoch}`,
      extensions: { shard, epoch },
    });
  }
  return route;
}
