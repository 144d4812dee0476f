import type { LoadedTopology } from '@setgate/config';
import { createDispatcher, type Dispatcher } from '@setgate/http-client';
import { createService } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { buildRoutingTable, RoutingTableRef } from '@setgate/topology';
import { authStage } from './stages/auth/plugin.js';
import { commandMatchStage } from './stages/command-match/plugin.js';
import { forwardStage } from './stages/forward/plugin.js';
import { headerHygieneStage } from './stages/header-hygiene/plugin.js';
import { requestContextStage } from './stages/request-context/plugin.js';
import { responseHeadersStage } from './stages/response-headers/plugin.js';
import { routingStage } from './stages/routing/plugin.js';

/** What a gateway is built from. */
export interface GatewayOptions {
  /** The topology version to start with: commands, placements, auth, limits. */
  readonly topology: LoadedTopology;
  /** This gateway's region (its instance's region in the topology). */
  readonly region: string;
  readonly telemetry: Telemetry;
  /**
   * The process's one upstream dispatcher. Omitted: one is created with
   * `createDispatcher()` and closed with the app; a given one is the caller's to close.
   */
  readonly dispatcher?: Dispatcher;
  /** Most verified tokens kept in the auth cache. Default 10000. */
  readonly tokenCacheSize?: number;
  /** Clock for token checks, in ms since epoch; tests move it. Default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_TOKEN_CACHE_SIZE = 10_000;

/**
 * Builds the gateway: a fastify app (not listening) running the pipeline below,
 * one plugin per stage, registered in request order. Every stage but forward
 * works in onRequest, so a refused request is answered before its body is read.
 */
export function buildGateway(options: GatewayOptions): FastifyInstance {
  const { topology } = options;
  if (!topology.regions.some((r) => r.name === options.region)) {
    throw new Error(`region ${options.region} is not in config version ${topology.version}`);
  }
  // Behind the regional proxy: its x-request-id is kept so one id follows the request.
  const app = createService({ telemetry: options.telemetry, trustRequestId: true, limits: topology.limits });
  const routes = new RoutingTableRef(buildRoutingTable(topology));
  const dispatcher = options.dispatcher ?? createDispatcher();
  if (options.dispatcher === undefined) app.addHook('onClose', async () => dispatcher.close());

  app.register(requestContextStage);
  app.register(headerHygieneStage);
  app.register(commandMatchStage, { routes });
  app.register(authStage, {
    auth: topology.auth,
    cacheSize: options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE,
    ...(options.now ? { now: options.now } : {}),
  });
  // rate-limit goes here (after auth: limits are per subject and per command rateLimitClass).
  // admission goes here (after rate-limit: sheds by command priority under overload, 503 + Retry-After).
  app.register(routingStage);
  app.register(forwardStage, { dispatcher });
  app.register(responseHeadersStage, { region: options.region });
  return app;
}
