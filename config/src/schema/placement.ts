import { Type } from '@sinclair/typebox';
import { Name } from './common.js';

export const Placement = Type.Object(
  {
    shard: Type.Integer({ minimum: 0, description: 'Shard number, 0 ≤ shard < shardCount.' }),
    leader: Name,
    leaderNode: Type.Optional(
      Type.String({ description: 'Write-point node inside the leader set; defaults to its first node.' }),
    ),
    replicas: Type.Array(Name, {
      minItems: 1,
      description: 'Sets holding a replica, the leader set included; each set at most once.',
    }),
    epoch: Type.Integer({ minimum: 1, description: 'Leadership epoch; bumped on every leadership change.' }),
    mode: Type.Union([Type.Literal('sync'), Type.Literal('async')], {
      default: 'sync',
      description: 'sync: acknowledge after minInsync replicas hold the write; async: after the local append.',
    }),
    minInsync: Type.Integer({
      minimum: 0,
      default: 1,
      description: 'Followers that must hold a write before a sync shard acknowledges it.',
    }),
    insyncRule: Type.Union([Type.Literal('any'), Type.Literal('other-region')], {
      default: 'other-region',
      description: 'other-region: at least one of the minInsync replicas must be in another region than the leader.',
    }),
    residency: Type.Optional(
      Type.Array(Name, { description: 'Regions the data of this shard may live in; every replica set must be in one.' }),
    ),
  },
  { additionalProperties: false, description: 'Where one shard lives and who leads it.' },
);
