import { join } from 'node:path';
import { type LoadedTopology, resolveSecret } from '@setgate/config';
import type { ConfigStore } from './config-store.js';
import { EtcdConfigStore } from './etcd-store.js';
import { FileConfigStore } from './file-store.js';
import { RedisConfigStore } from './redis-store.js';

/** Opens the store the topology's controlPlane section names; files go under `<dataDir>/control-plane`. */
export function openConfigStore(def: NonNullable<LoadedTopology['controlPlane']>['store'], dataDir: string): Promise<ConfigStore> {
  if (def.kind === 'etcd') return EtcdConfigStore.open({ endpoints: def.endpoints, prefix: def.prefix });
  return def.kind === 'redis'
    ? RedisConfigStore.open(def.url, def.prefix, def.password ? resolveSecret(def.password, 'controlPlane.store.password', process.env, 1) : undefined)
    : FileConfigStore.open(join(dataDir, 'control-plane'));
}
