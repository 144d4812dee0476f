import { randomBytes } from 'node:crypto';
import { type LoadedTopology, resolveSecret } from '@setgate/config';
import { createDispatcher, type Dispatcher } from '@setgate/http-client';
import type { HopSecrets } from '@setgate/contracts';
import type { Redis } from '@setgate/redis-client';
import { createService, DEFAULT_LIMITS, installHttpMetrics, installRefusalPacing, type TlsFiles, workerShare } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import { buildRoutingTable, type RoutingTable, RoutingTableRef, TopologyView } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import type { AdmissionOptions } from './stages/admission/options.js';
import { clientCapStage } from './stages/admission/client-cap.js';
import { admissionStage } from './stages/admission/plugin.js';
import { authStage } from './stages/auth/plugin.js';
import { commandMatchStage } from './stages/command-match/plugin.js';
import { trafficHealth } from './health/plugin.js';
import { NodeHealth } from './stages/forward/node-health.js';
import { forwardStage } from './stages/forward/plugin.js';
import { watchBodyRates } from './stages/forward/raw-body.js';
import { RetryBudget } from './stages/forward/retry-budget.js';
import { trustedProxyNetworks } from './stages/header-hygiene/client-address.js';
import { headerHygieneStage } from './stages/header-hygiene/plugin.js';
import { rateLimitStage } from './stages/rate-limit/plugin.js';
import { requestContextStage } from './stages/request-context/plugin.js';
import { responseHeadersStage } from './stages/response-headers/plugin.js';
import { routingStage } from './stages/routing/plugin.js';
import { SessionTokens } from './stages/routing/session-token.js';
import { gatewayHttpMetrics } from './metrics/http-server.js';
import { installStageOutcomes } from './metrics/stage-outcomes.js';
import { NodeAttemptMetrics } from './metrics/node-attempts.js';
import { gatewayRequestSummary } from './request-summary.js';

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
  /** The process's one Redis client for shared rate limits; omitted: limits are local. The caller closes it. */
  readonly redis?: Redis;
  /**
   * Reads the topology again (after a node's 421). Omitted: a 421 is not retried.
   * A newer version is swapped in; in-flight requests keep theirs.
   */
  readonly reloadTopology?: () => Promise<LoadedTopology>;
  /** Most verified tokens kept in the auth cache. Default 10000. */
  readonly tokenCacheSize?: number;
  /** Clock for token checks and rate windows, in ms since epoch; tests move it. Default Date.now. */
  readonly now?: () => number;
  /**
   * The stack's hop secrets: sent to nodes, and required of a regional proxy before its
   * X-Forwarded-For is believed. Omitted: hops are unauthenticated (development, in-process tests).
   */
  readonly hopSecrets?: HopSecrets;
  /** HTTPS on the traffic listener from these files, reloaded when they change (the instance's `tls`); omitted: HTTP. */
  readonly tls?: TlsFiles;
  /** Test hooks of admission: a fixed random source and event-loop delay. */
  readonly admission?: Pick<AdmissionOptions, 'random' | 'eventLoopDelayMs'>;
  /**
   * Workers of this gateway process (service-kit's workers.ts). Each enforces its share of the
   * per-gateway budgets (in-flight caps, a client's slots, failed-auth throttling, the local
   * rate limit), so the process keeps the configured figures. Default 1.
   */
  readonly workers?: number;
  /**
   * The session-token secret when the topology names none: one the primary made for all its
   * workers (workers-session-secret.ts). Omitted: this process makes its own.
   */
  readonly unsharedSessionSecret?: string;
}

const DEFAULT_TOKEN_CACHE_SIZE = 10_000;

/** How a running gateway takes a new topology version (hot reload). */
export interface GatewayTopologyHandle {
  /**
   * Makes a newer version's routing table live (an older or equal one is ignored).
   * In-flight requests keep the table they started with. Commands, placements,
   * RTT and nodes follow; auth and rate-limit policy are fixed at start.
   */
  apply(table: RoutingTable): void;
  /** Config version new requests route by. */
  readonly version: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present on a gateway app. */
    gatewayTopology: GatewayTopologyHandle;
    /** Outlier ejection per node and the retries left in the budget, for /status. */
    upstreamStatus(): { nodes: ReturnType<NodeHealth['status']>; retryBudget: number };
  }
}

/**
 * Builds the gateway: a fastify app (not listening) running the pipeline below,
 * one plugin per stage, registered in request order. Every stage but forward
 * works in onRequest, so a refused request is answered before its body is read.
 */
export function buildGateway(options: GatewayOptions): FastifyInstance {
  const { topology, region, telemetry } = options;
  if (!topology.regions.some((r) => r.name === region)) {
    throw new Error(`region ${region} is not in config version ${topology.version}`);
  }
  // Behind the regional proxy: its x-request-id is kept so one id follows the request.
  const app = createService({
    telemetry,
    trustRequestId: true,
    limits: topology.limits,
    describeRequest: gatewayRequestSummary(region),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const limits = { ...DEFAULT_LIMITS, ...topology.limits };
  installHttpMetrics(app, gatewayHttpMetrics(telemetry.meter, region));
  // A client told to come back later is not read again until then; a proxy's pooled connection is never paused.
  installRefusalPacing(app, {
    maxPauseMs: limits.refusalPauseMs,
    appliesTo: (request) => request.setgate?.fromHop !== true,
  });
  installStageOutcomes(app, telemetry.meter);
  // Ahead of every stage: a body a stage refuses is still read (to be dropped) and must keep the rate.
  watchBodyRates(app, limits);
  const routes = new RoutingTableRef(buildRoutingTable(topology));
  const dispatcher = options.dispatcher ?? createDispatcher();
  if (options.dispatcher === undefined) app.addHook('onClose', async () => dispatcher.close());
  const policy = topology.gateway;
  const ejections = telemetry.meter.createCounter('setgate.gateway.upstream.ejections', {
    description: 'Nodes taken out of replica selection after consecutive failures (outlier ejection).',
  });
  const health = new NodeHealth(policy.upstream, routes.current.view.allNodes().length, Date.now, (node, backoffMs) => {
    ejections.add(1, { 'setgate.node': node });
    app.log.warn({ node, backoffMs }, `node ${node} ejected for ${backoffMs} ms after consecutive failures`);
  });
  const budget = new RetryBudget(policy.upstream.retryBudgetRatio);
  telemetry.meter
    .createObservableGauge('setgate.gateway.upstream.ejected', { description: 'Nodes ejected now.' })
    .addCallback((r) => r.observe(health.ejected().length));
  const sessionTokens = new SessionTokens(
    policy.sessionTokenSecret
      ? resolveSecret(policy.sessionTokenSecret, 'gateway.sessionTokenSecret')
      : (options.unsharedSessionSecret ?? unsharedSecret(app)),
    policy.previousSessionTokenSecret ? resolveSecret(policy.previousSessionTokenSecret, 'gateway.previousSessionTokenSecret') : undefined,
  );
  const now = options.now ? { now: options.now } : {};
  const hop = options.hopSecrets ? { hopSecrets: options.hopSecrets } : {};
  const workers = Math.max(1, options.workers ?? 1);
  const share = (budget: number) => workerShare(budget, workers);

  const handle: GatewayTopologyHandle = {
    apply(table) {
      if (table.version <= routes.current.version) return;
      routes.swap(table);
      health.setNodeCount(table.view.allNodes().length);
    },
    get version() {
      return routes.current.version;
    },
  };
  // Not a stage: the traffic-port health route, answered before the pipeline.
  app.register(trafficHealth, { region, version: () => routes.current.version });
  app.register(requestContextStage);
  app.register(headerHygieneStage, { trustedProxies: trustedProxyNetworks(topology), ...hop });
  app.register(commandMatchStage, { routes });
  app.register(admissionStage, {
    policy: {
      ...policy.admission,
      maxInFlight: share(policy.admission.maxInFlight),
      criticalHardCap: share(policy.admission.criticalHardCap),
    },
    maxInFlightPerClient: share(policy.fairness.maxInFlightPerClient),
    meter: telemetry.meter,
    ...options.admission,
  });
  app.register(authStage, {
    auth: topology.auth,
    cacheSize: options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE,
    tenantClaim: topology.regionalProxy.tenantClaim,
    failedAuth: {
      ...policy.fairness.failedAuth,
      max: share(policy.fairness.failedAuth.max),
      maxAddresses: share(policy.fairness.failedAuth.maxAddresses),
    },
    ...now,
  });
  app.register(clientCapStage, {
    retryAfterSec: policy.admission.retryAfterSec,
    meter: telemetry.meter,
  });
  app.register(rateLimitStage, {
    policy: policy.rateLimit,
    region,
    // Each worker counts as a gateway of its own: shared through Redis, or its share when local.
    gatewaysInRegion: new TopologyView(topology).gatewaysOf(region).length * workers,
    meter: telemetry.meter,
    ...(options.redis ? { redis: options.redis } : {}),
    ...now,
  });
  app.register(routingStage, { region, sessionTokens, health });
  app.register(forwardStage, {
    dispatcher,
    region,
    routes,
    health,
    budget,
    sessionTokens,
    tracer: telemetry.tracer,
    attempts: new NodeAttemptMetrics(telemetry.meter, region),
    ...hop,
    ...(options.reloadTopology ? { refresh: refresher(options.reloadTopology, handle) } : {}),
  });
  app.register(responseHeadersStage, { region });
  app.decorate('gatewayTopology', handle);
  app.decorate('upstreamStatus', () => ({ nodes: health.status(), retryBudget: Math.floor(budget.available) }));
  return app;
}

/** Reloads and swaps the routing table; concurrent 421s share one reload. */
function refresher(reload: () => Promise<LoadedTopology>, handle: GatewayTopologyHandle): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= (async () => {
      try {
        const next = await reload();
        if (next.version > handle.version) handle.apply(buildRoutingTable(next));
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

// Without a configured secret, tokens still work but only on this gateway process.
function unsharedSecret(app: FastifyInstance): string {
  app.log.warn('gateway.sessionTokenSecret is not set: session tokens are only honoured by this gateway process');
  return randomBytes(32).toString('hex');
}
