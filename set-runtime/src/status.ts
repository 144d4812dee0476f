import type { NodeStatus } from '@setgate/contracts';
import type { Ownership } from './ownership.js';
import type { NodeStore } from './store/types.js';

/** `/status` of a node: the contract's NodeStatus, each shard with its applied LSN too. */
export interface NodeStatusReport extends NodeStatus {
  shards: Array<NodeStatus['shards'][number] & { lsn: number }>;
}

/** Role, epoch, LSN and key count of every shard this node holds under the current topology. */
export function nodeStatus(ownership: Ownership, store: NodeStore): NodeStatusReport {
  const view = ownership.view;
  const self = ownership.self;
  return {
    node: self.id,
    set: self.set,
    region: self.region,
    configVersion: view.version,
    store: store.kind,
    shards: ownership.heldShards(view).map((shard) => {
      const s = store.shard(shard);
      const position = s.position();
      return {
        shard,
        role: ownership.isWritePoint(shard, view) ? 'leader' : 'follower',
        epoch: Math.max(view.placement(shard).epoch, position.epoch),
        lsn: position.lsn,
        keys: s.keyCount(),
      };
    }),
  };
}
