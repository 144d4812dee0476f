import { Type } from '@sinclair/typebox';
import { Listener, Name } from './common.js';
import { secretRef } from './secret.js';

export const LmdbStore = Type.Object(
  { kind: Type.Literal('lmdb', { description: 'Embedded LMDB under the node data directory.' }) },
  { additionalProperties: false },
);

export const RedisStore = Type.Object(
  {
    kind: Type.Literal('redis', { description: 'A Redis server reached through the shared ioredis factory.' }),
    url: Type.String({ pattern: '^rediss?://', description: 'redis:// URL of the server that holds this node, without credentials.' }),
    password: Type.Optional(secretRef('AUTH password of that Redis server, read by the node.')),
  },
  { additionalProperties: false },
);

export const NodeInstance = Type.Object(
  {
    id: Name,
    ...Listener,
    store: Type.Union([LmdbStore, RedisStore], {
      default: { kind: 'lmdb' },
      description: 'Storage engine of this node.',
    }),
  },
  { additionalProperties: false, description: 'One set-runtime process with its own durable store.' },
);

export const SetDef = Type.Object(
  {
    name: Name,
    region: Name,
    nodes: Type.Array(NodeInstance, {
      minItems: 1,
      description: "Nodes of the set; every node holds replicas of the set's shards.",
    }),
    drained: Type.Boolean({
      default: false,
      description: 'Drained: holds no shard leader (replicas stay). Set by `setgate drain set`.',
    }),
  },
  { additionalProperties: false, description: 'A striped unit in one region.' },
);
