import { etagOf, NodePath, type StateRecord } from '@setgate/contracts';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from '../errors.js';
import { DEFAULT_COLLECTION } from '../store/types.js';
import { runWrite } from './run-write.js';
import { CollectionName, ShardKey } from './schemas.js';
import { routeRead } from './read-route.js';
import { type RoutingDeps, routeShard } from './shard-route.js';

const Params = Type.Object(
  { shard: Type.String({ pattern: '^[0-9]{1,5}$' }), key: ShardKey },
  { additionalProperties: false },
);
const Query = Type.Object(
  { collection: Type.Optional(CollectionName) },
  {
    additionalProperties: false,
    description: 'collection: read or write a command document (e.g. cart) instead of the raw kv collection.',
  },
);
type Req = { Params: Static<typeof Params>; Querystring: Static<typeof Query> };
const schema = { params: Params, querystring: Query };

/**
 * The raw state API, `/state/:shard/:key`: the data proxy's get / put /
 * delete with compare-and-set (If-Match), create-only (If-None-Match: *) and
 * idempotency keys. The value is any JSON document; its version is the ETag.
 */
export function registerStateRoutes(scope: FastifyInstance, deps: RoutingDeps): void {
  scope.get<Req>(NodePath.state, { schema }, async (request, reply) => {
    const { shard, key } = request.params;
    const route = await routeRead(deps, request, key, shard);
    const record = await route.store.get(request.query.collection ?? DEFAULT_COLLECTION, key);
    if (!record) throw NodeErrors.create('SETGATE_NODE_KEY_NOT_FOUND', { detail: `no value under ${key}` });
    reply.header('etag', etagOf(record.version));
    return { key, value: record.value, version: record.version } satisfies StateRecord;
  });

  scope.put<Req>(NodePath.state, { schema }, async (request, reply) => {
    const { shard, key } = request.params;
    const route = routeShard(deps, request, key, 'write', shard);
    // A JSON body of `null` is a value; a missing body is a mistake.
    if (request.body === undefined) {
      throw NodeErrors.create('SETGATE_NODE_INVALID_REQUEST', {
        detail: 'body is required: the JSON value to store',
        extensions: { location: 'body', field: null },
      });
    }
    const value = request.body;
    const settled = await runWrite(request, reply, route, {
      collection: request.query.collection ?? DEFAULT_COLLECTION,
      key,
      decide: () => ({ op: 'put', value }),
    });
    if (settled.kind !== 'applied' || !settled.result.record) throw new Error('a put always applies or throws');
    const { record, created } = settled.result;
    return reply.code(created ? 201 : 200).send({ key, value: record.value, version: record.version } satisfies StateRecord);
  });

  scope.delete<Req>(NodePath.state, { schema }, async (request, reply) => {
    const { shard, key } = request.params;
    const route = routeShard(deps, request, key, 'write', shard);
    const settled = await runWrite(request, reply, route, {
      collection: request.query.collection ?? DEFAULT_COLLECTION,
      key,
      decide: () => ({ op: 'delete' }),
    });
    if (settled.kind === 'refused') throw NodeErrors.create('SETGATE_NODE_KEY_NOT_FOUND', { detail: `no value under ${key}` });
    return reply.code(204).send();
  });
}
