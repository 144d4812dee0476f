import { Header, SetgateError } from '@setgate/contracts';
import { shardOf } from '@setgate/topology';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { type RouteTarget, required } from '../request-context/request-context.js';
import type { RoutingOptions } from './options.js';
import { planRoute } from './route-plan.js';
import { residencyRefusal } from './residency.js';
import { shardKeyOf } from './shard-key.js';

/**
 * Stage 8: key → shard → node, for a request this region may serve (its
 * command's and tenant's residency, residency.ts). The key comes from the command's key source;
 * the shard from the one shard function; the plan (route-plan.ts) from the
 * command's kind and staleness bound, the RTT matrix, node health and the
 * client's session token, which is checked here.
 */
export const routingStage = fp<RoutingOptions>(
  (app, opts, done) => {
    app.addHook('onRequest', (request, _reply, next) => {
      let target: RouteTarget | SetgateError;
      try {
        target = routeOf(request, opts);
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

function routeOf(request: FastifyRequest, opts: RoutingOptions): RouteTarget | SetgateError {
  const ctx = request.setgate;
  const view = required(ctx.table, 'routing table').view;
  const match = required(ctx.match, 'command match');
  const refused = residencyRefusal(required(ctx.table, 'routing table'), match, ctx.principal, opts.region);
  if (refused !== undefined) return refused;
  const token = request.headers[Header.session];
  if (token !== undefined) {
    const session = typeof token === 'string' ? opts.sessionTokens.parse(token) : undefined;
    if (session === undefined) {
      return GatewayErrors.create('SETGATE_GW_INVALID_SESSION', {
        detail: `The ${Header.session} header is not a session token this gateway issued; send the last one a write returned, or none.`,
      });
    }
    ctx.session = session;
  }
  const result = shardKeyOf(match.command.def.key, request, match, ctx.principal);
  if ('error' in result) return result.error;
  const shard = shardOf(result.key, view.shardCount);
  try {
    const plan = planRoute(view, match.command, shard, opts.region, ctx.session, opts.health);
    return { key: result.key, shard, epoch: plan.epoch, node: (plan.candidates[0] as { node: RouteTarget['node'] }).node, plan };
  } catch (err) {
    // Semantic checks refuse such a topology; this guards a table built without them.
    return GatewayErrors.create('SETGATE_GW_SHARD_UNPLACED', { detail: (err as Error).message, cause: err });
  }
}
