import { Header, type HopSecrets, NodePath } from '@setgate/contracts';
import { createService, installHttpMetrics, type ServiceLimits } from '@setgate/service-kit';
import { HttpServerMetrics, type Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from './errors.js';
import { registerCartRoutes } from './commands/cart-routes.js';
import { registerProfileRoutes } from './commands/profile-routes.js';
import type { RoutingDeps } from './http/shard-route.js';
import { registerStateRoutes } from './http/state-routes.js';
import { installValidation } from './http/validation.js';
import { ReadWaitMetrics } from './http/read-wait-metrics.js';
import { nodeRequestSummary } from './http/request-summary.js';

export interface NodeAppOptions extends RoutingDeps {
  readonly telemetry: Telemetry;
  readonly limits?: Partial<ServiceLimits>;
  /** The stack's hop secrets; undefined: the listener is open (development). */
  readonly hopSecrets?: HopSecrets;
}

const refuse = () =>
  NodeErrors.create('SETGATE_NODE_HOP_UNAUTHENTICATED', { detail: "a node's traffic listener answers only setgate components holding the stack's hop secret" });

/**
 * The traffic listener of a node: the hop secret checked before anything
 * else (only gateways and setgate's tools reach a node), identity and shard
 * headers on every response, health, then the data routes (raw state API and commands) in one
 * encapsulated scope with strict validation.
 */
export function createNodeApp(opts: NodeAppOptions): FastifyInstance {
  // Behind the gateway: keep its request id so one id follows the request through every hop.
  const app = createService({
    telemetry: opts.telemetry,
    limits: opts.limits,
    trustRequestId: true,
    requireHop: { secrets: opts.hopSecrets, refuse },
    describeRequest: nodeRequestSummary(opts.ownership),
  });
  const self = opts.ownership.self;
  installHttpMetrics(app, {
    metrics: new HttpServerMetrics(opts.telemetry.meter, { 'setgate.region': self.region, 'setgate.set': self.set, 'setgate.node': self.id }),
  });
  const deps: RoutingDeps = {
    ownership: opts.ownership,
    store: opts.store,
    replicator: opts.replicator,
    readWaits: new ReadWaitMetrics(opts.telemetry.meter),
  };

  app.decorateRequest('shardRoute', null);
  app.addHook('onSend', async (request, reply) => {
    const self = opts.ownership.self;
    reply.header(Header.region, self.region).header(Header.set, self.set).header(Header.node, self.id);
    const route = request.shardRoute;
    if (route) {
      reply
        .header(Header.shard, String(route.shard))
        .header(Header.epoch, String(route.epoch))
        .header(Header.lsn, String(route.lsn));
      if (route.freshness) {
        reply
          .header(Header.stalenessMs, String(route.freshness.stalenessMs))
          .header(Header.lagEntries, String(route.freshness.lagEntries));
      }
    }
  });

  app.get(NodePath.health, async () => ({ status: 'ok', node: opts.ownership.nodeId }));

  app.register(async (scope) => {
    installValidation(scope);
    // Values are JSON documents; a text/plain body would otherwise be stored as a string.
    scope.removeContentTypeParser('text/plain');
    registerStateRoutes(scope, deps);
    registerProfileRoutes(scope, deps);
    registerCartRoutes(scope, deps);
  });
  return app;
}
