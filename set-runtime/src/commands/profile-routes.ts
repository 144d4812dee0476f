import { etagOf } from '@setgate/contracts';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from '../errors.js';
import { runWrite } from '../http/run-write.js';
import { KeyParams } from '../http/schemas.js';
import { routeRead } from '../http/read-route.js';
import { type RoutingDeps, routeShard } from '../http/shard-route.js';

/** Collection of profile documents, one per shard key. */
export const PROFILE_COLLECTION = 'profile';

/** Body of `PUT /cmd/profile/{key}`: the whole profile (a PUT replaces it). */
export const ProfileBody = Type.Object(
  {
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' })),
    locale: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$' })),
  },
  { additionalProperties: false },
);
export type Profile = Static<typeof ProfileBody>;

type KeyReq = { Params: Static<typeof KeyParams> };

/** The profile commands: read from the local replica, replace at the write-point (If-Match honoured). */
export function registerProfileRoutes(scope: FastifyInstance, deps: RoutingDeps): void {
  scope.get<KeyReq>('/cmd/profile/:key', { schema: { params: KeyParams } }, async (request, reply) => {
    const route = await routeRead(deps, request, request.params.key);
    const record = await route.store.get(PROFILE_COLLECTION, request.params.key);
    if (!record) throw NodeErrors.create('SETGATE_NODE_KEY_NOT_FOUND', { detail: 'no profile for this key' });
    reply.header('etag', etagOf(record.version));
    return { ...(record.value as Profile), version: record.version };
  });

  scope.put<KeyReq & { Body: Profile }>(
    '/cmd/profile/:key',
    { schema: { params: KeyParams, body: ProfileBody } },
    async (request, reply) => {
      const { key } = request.params;
      const route = routeShard(deps, request, key, 'write');
      const profile = request.body;
      const settled = await runWrite(request, reply, route, {
        collection: PROFILE_COLLECTION,
        key,
        decide: () => ({ op: 'put', value: profile }),
      });
      if (settled.kind !== 'applied' || !settled.result.record) throw new Error('a put always applies or throws');
      const { record, created } = settled.result;
      return reply.code(created ? 201 : 200).send({ ...(record.value as Profile), version: record.version });
    },
  );
}
