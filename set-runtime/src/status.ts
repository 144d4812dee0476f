import type { NodeStatus, ShardReplicationStatus } from '@setgate/contracts';
import type { Ownership } from './ownership.js';
import type { Replicator } from './replication/replicator.js';
import type { NodeStore } from './store/types.js';

/** `/status` of a node: the contract's NodeStatus, each shard with its replication facts. */
export interface NodeStatusReport extends NodeStatus {
  /** ms since the node last heard its config (the leader lease's age). */
  leaseAgeMs: number;
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
    shards: await replicator.status(),
  };
}
