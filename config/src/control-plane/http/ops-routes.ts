import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ControlPlaneErrors } from '../errors.js';
import type { Operations } from '../ops/operations.js';
import type { Actor, OpsService } from '../ops/ops-service.js';

const Reason = { type: 'string', minLength: 3, maxLength: 500 } as const;
const Target = { type: 'string', enum: ['region', 'set'] } as const;

/** Bodies of the ops routes. */
export const OpsBodies = {
  move: {
    type: 'object',
    required: ['to', 'reason'],
    properties: { to: { type: 'string', minLength: 1 }, reason: Reason, forceUnclean: { type: 'boolean', default: false } },
  },
  drain: {
    type: 'object',
    required: ['target', 'name', 'reason'],
    properties: { target: Target, name: { type: 'string', minLength: 1 }, reason: Reason },
  },
  reason: { type: 'object', required: ['reason'], properties: { reason: Reason } },
} as const;

const actor = (req: FastifyRequest<{ Body: { reason: string; forceUnclean?: boolean } }>): Actor => ({
  author: req.principal?.name ?? 'unknown',
  ...(req.principal ? { role: req.principal.role } : {}),
  reason: req.body.reason,
  ...(req.body.forceUnclean === true ? { force: true } : {}),
});

/** Shard moves, drains and the failover switch; long ones answer 202 with an operation to poll. */
export function opsRoutes(app: FastifyInstance, ops: OpsService, operations: Operations): void {
  const operator = { config: { role: 'operator' as const } };

  app.post<{ Params: { shard: number }; Body: { to: string; reason: string; forceUnclean?: boolean } }>(
    '/v1/ops/shards/:shard/move',
    {
      ...operator,
      schema: { params: { type: 'object', properties: { shard: { type: 'integer', minimum: 0 } } }, body: OpsBodies.move },
    },
    async (req, reply) => reply.code(202).send(await ops.moveShard(req.params.shard, req.body.to, actor(req))),
  );

  app.post<{ Body: { target: 'region' | 'set'; name: string; reason: string } }>(
    '/v1/ops/drain',
    { ...operator, schema: { body: OpsBodies.drain } },
    async (req, reply) => reply.code(202).send(await ops.drain(req.body.target, req.body.name, actor(req))),
  );

  app.post<{ Body: { target: 'region' | 'set'; name: string; reason: string } }>(
    '/v1/ops/undrain',
    { ...operator, schema: { body: OpsBodies.drain } },
    async (req, reply) => {
      const { record, comparison } = await ops.undrain(req.body.target, req.body.name, actor(req));
      return reply.code(201).send({ version: record.version, changes: comparison.changes, impact: comparison.impact });
    },
  );

  for (const [path, paused] of [
    ['/v1/ops/failover/pause', true],
    ['/v1/ops/failover/resume', false],
  ] as const) {
    app.post<{ Body: { reason: string } }>(path, { ...operator, schema: { body: OpsBodies.reason } }, async (req, reply) => {
      const { record, comparison } = await ops.setFailoverPaused(paused, actor(req));
      return reply.code(201).send({ version: record.version, changes: comparison.changes, impact: comparison.impact });
    });
  }

  app.get<{ Params: { id: string } }>('/v1/ops/operations/:id', { config: { role: 'viewer' } }, async (req) => {
    const op = operations.get(req.params.id);
    if (!op) throw ControlPlaneErrors.create('SETGATE_CP_OPERATION_NOT_FOUND', { detail: `no operation ${req.params.id}` });
    return op;
  });
}
