import { join } from 'node:path';
import { resolveSecret } from '@setgate/config';
import type { NodeRef } from '@setgate/topology';
import { LmdbNodeStore } from './lmdb-store.js';
import { RedisNodeStore } from './redis-store.js';
import type { Durability, NodeStore } from './types.js';

/** Store settings that come from the topology's `replication` section. */
export interface StoreSettings {
  readonly durability?: Durability;
  readonly idempotencyWindowMs?: number;
}

/** Opens the store the topology names for this node: LMDB under `<dataDir>/<nodeId>/`, or its Redis server. */
export async function openNodeStore(node: NodeRef, dataDir: string, settings: StoreSettings = {}): Promise<NodeStore> {
  switch (node.store.kind) {
    case 'lmdb':
      return LmdbNodeStore.open({ dir: join(dataDir, node.id), ...settings });
    case 'redis':
      return RedisNodeStore.open({
        url: node.store.url,
        nodeId: node.id,
        // The password is read here, where it is used, from where the topology's reference points.
        ...(node.store.password ? { password: resolveSecret(node.store.password, `node ${node.id} store password`, process.env, 1) } : {}),
        ...settings,
      });
  }
}
