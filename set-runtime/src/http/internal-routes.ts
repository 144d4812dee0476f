import { type FenceResponse, type FetchRequest, type FetchSessionRequest, type HopSecrets, InternalPath } from '@setgate/contracts';
import { type Static, Type } from '@sinclair/typebox';
import { clientGoneSignal } from '@setgate/service-kit';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from '../errors.js';
import type { Replicator } from '../replication/replicator.js';
import { leaderFor, serveFetch, serveFetchSession } from '../replication/serve-fetch.js';
import type { TopologyUpdates } from '../topology-updates.js';
import { installValidation } from './validation.js';

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const ShardParams = Type.Object({ shard: Type.String({ pattern: '^[0-9]{1,5}$' }) }, { additionalProperties: false });
const FetchBody = Type.Object(
  {
    node: Type.String({ minLength: 1, maxLength: 128 }),
    epoch: Count,
    fromLsn: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    lastEpoch: Count,
    maxEntries: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    maxWaitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000 })),
  },
  { additionalProperties: false },
);
const SessionBody = Type.Object(
  {
    node: Type.String({ minLength: 1, maxLength: 128 }),
    shards: Type.Array(
      Type.Object(
        { shard: Type.Integer({ minimum: 0, maximum: 65535 }), epoch: Count, fromLsn: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), lastEpoch: Count },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 65536 },
    ),
    maxEntries: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    maxWaitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000 })),
  },
  { additionalProperties: false },
);
const EpochQuery = Type.Object({ epoch: Type.String({ pattern: '^[0-9]{1,15}$' }) }, { additionalProperties: false });
const FenceBody = Type.Object({ epoch: Count }, { additionalProperties: false });


export interface InternalDeps {
  readonly replicator: Replicator;
  readonly updates: TopologyUpdates;
  /** The stack's hop secrets; undefined: the endpoints are open (loopback development). */
  readonly secrets: HopSecrets | undefined;
}

/**
 * The node's internal endpoints (see `InternalPath` in contracts), on the
 * admin listener: replication fetch and snapshot for followers, fence and
 * topology for the control plane. Authenticated by the shared token when set.
 */
export function registerInternalRoutes(admin: FastifyInstance, deps: InternalDeps): void {
  const { replicator, updates } = deps;
  admin.register(async (scope) => {
    installValidation(scope);
    const { secrets } = deps;
    if (secrets) {
      scope.addHook('onRequest', async (request) => {
        if (!secrets.acceptsBearer(request.headers.authorization)) {
          throw NodeErrors.create('SETGATE_NODE_UNAUTHORIZED', { detail: 'internal endpoints need the internal token' });
        }
      });
    }

    scope.post<{ Params: Static<typeof ShardParams>; Body: FetchRequest }>(
      InternalPath.fetch,
      { schema: { params: ShardParams, body: FetchBody } },
      async (request, reply) => serveFetch(replicator, Number(request.params.shard), request.body, clientGoneSignal(reply)),
    );

    scope.post<{ Body: FetchSessionRequest }>(InternalPath.fetchSession, { schema: { body: SessionBody } }, async (request, reply) => {
      const shards = request.body.shards.map((s) => s.shard);
      if (new Set(shards).size !== shards.length) {
        throw NodeErrors.create('SETGATE_NODE_INVALID_REQUEST', {
          detail: 'a session names each shard once',
          extensions: { location: 'body', field: 'shards' },
        });
      }
      return serveFetchSession(replicator, request.body, clientGoneSignal(reply));
    });

    scope.get<{ Params: Static<typeof ShardParams>; Querystring: Static<typeof EpochQuery> }>(
      InternalPath.snapshot,
      { schema: { params: ShardParams, querystring: EpochQuery } },
      async (request) => {
        const shard = Number(request.params.shard);
        leaderFor(replicator, shard, Number(request.query.epoch));
        return replicator.store.shard(shard).snapshot();
      },
    );

    scope.post<{ Params: Static<typeof ShardParams>; Body: Static<typeof FenceBody> }>(
      InternalPath.fence,
      { schema: { params: ShardParams, body: FenceBody } },
      async (request): Promise<FenceResponse> => {
        const shard = Number(request.params.shard);
        const { ownership } = replicator;
        if (shard >= ownership.view.shardCount || !ownership.holds(shard)) {
          throw NodeErrors.create('SETGATE_NODE_SHARD_NOT_HELD', { detail: `shard ${shard} is not held here`, extensions: { shard } });
        }
        const store = replicator.store.shard(shard);
        // The leader protocol fences an old leader at the epoch it leads in (the control plane's current
        // version). An epoch past what this node knows would outlive every later promotion (a fence lifts
        // only when a newer placement epoch arrives) and block the shard here for good: refused.
        const known = Math.max(ownership.view.placement(shard).epoch, store.position().epoch);
        if (request.body.epoch > known) {
          throw NodeErrors.create('SETGATE_NODE_FENCE_AHEAD', {
            detail: `shard ${shard} is at epoch ${known} on this node; a fence may name at most that, not ${request.body.epoch}`,
            extensions: { shard, epoch: known },
          });
        }
        replicator.fence(shard, request.body.epoch);
        return {
          shard,
          fencedEpoch: replicator.fencedEpoch(shard) ?? request.body.epoch,
          position: store.position(),
          highWatermark: replicator.leader(shard)?.highWatermark() ?? 0,
        };
      },
    );

    scope.put(InternalPath.topology, async (request) => updates.apply(request.body));
  });
}
