import type { NodeStatus, ShardReplicationStatus } from '@setgate/contracts';
import type { Ownership } from './ownership.js';
import type { LeaseState } from './replication/lease.js';
import type { Replicator } from './replication/replicator.js';
import type { NodeStore } from './store/types.js';

/** `/status` of a node: the contract's NodeStatus, each shard with its replication facts. */
export interface NodeStatusReport extends NodeStatus {
  /** ms since the send time of the request that last renewed the leader lease (-1: never). */
  leaseAgeMs: number;
  /** The leader lease: valid, its age and what is left, on the node's monotonic clock (replication/lease.ts). */
  lease: LeaseState;
  shards: Array<NodeStatus['shards'][number] & ShardReplicationStatus>;
}

/** Role, epoch, positions, followers and state hash of every shard this node holds under the current topology. */
export async function nodeStatus(ownership: Ownership, store: NodeStore, replicator: Replicator): Promise<NodeStatusReport> {
  const view = ownership.view;
  const self = ownership.self;
  return {
    node: self.id,
    set: self.set,
    region: self.region,
    configVersion: view.version,
    store: store.kind,
    leaseAgeMs: replicator.lease.age(),
    lease: replicator.lease.state(),
    shards: await replicator.status(),
  };
}
