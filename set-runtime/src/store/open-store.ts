import { join } from 'node:path';
import type { NodeRef } from '@setgate/topology';
import { LmdbNodeStore } from './lmdb-store.js';
import type { NodeStore } from './types.js';

/**
 * Opens the store the topology names for this node, under `<dataDir>/<nodeId>/`.
 * Only LMDB exists so far; a node configured for Redis refuses to start rather
 * than silently keeping its data somewhere else.
 */
export function openNodeStore(node: NodeRef, dataDir: string): NodeStore {
  switch (node.store.kind) {
    case 'lmdb':
      return LmdbNodeStore.open({ dir: join(dataDir, node.id) });
    case 'redis':
      throw new Error(`node ${node.id}: the redis store is not implemented yet; use { kind: lmdb }`);
  }
}
