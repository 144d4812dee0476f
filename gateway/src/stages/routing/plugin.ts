import { SetgateError } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { type RouteTarget, required } from '../request-context/request-context.js';
import { shardKeyOf } from './shard-key.js';

/**
 * Stage 7: key → shard → node. The key comes from the command's key source;
 * the shard from the one shard function. Reads and writes both go to the
 * shard's write-point for now; replica reads within the staleness bound
 * come later. Has no options: everything comes from the matched routing table.
 */
export const routingStage = fp(
  (app, _opts, done) => {
    app.addHook('onRequest', (request, _reply, next) => {
      let target: RouteTarget | SetgateError;
      try {
        target = routeOf(request);
      } catch (err) {
        next(err as Error);
        return;
      }
      if (target instanceof SetgateError) {
        next(target);
        return;
      }
      request.setgate.target = target;
      next();
    });
    done();
  },
  { name: 'setgate-routing', fastify: '5.x', dependencies: ['setgate-auth'] },
);

function routeOf(request: FastifyRequest): RouteTarget | SetgateError {
  const ctx = request.setgate;
  const view = required(ctx.table, 'routing table').view;
  const match = required(ctx.match, 'command match');
  const result = shardKeyOf(match.command.def.key, request, match, required(ctx.principal, 'principal'));
  if ('error' in result) return result.error;
  const shard = shardOf(result.key, view.shardCount);
  try {
    return { key: result.key, shard, epoch: view.placement(shard).epoch, node: view.writePoint(shard) };
  } catch (err) {
    // Semantic checks refuse such a topology; this guards a table built without them.
    return GatewayErrors.create('SETGATE_GW_SHARD_UNPLACED', { detail: (err as Error).message, cause: err });
  }
}
