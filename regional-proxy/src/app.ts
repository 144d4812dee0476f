import { NodePath } from '@setgate/contracts';
import { createService, DEFAULT_LIMITS, DEFAULT_REFUSED_BODY_DRAIN, installHttpMetrics, installRefusalPacing, workerShare } from '@setgate/service-kit';
import { HttpServerMetrics } from '@setgate/telemetry';
import type { LoadedTopology } from '@setgate/config';
import { buildRoutingTable, type RoutingTable } from '@setgate/topology';
import type { FastifyInstance } from 'fastify';
import { ProxyErrors } from './errors.js';
import { installFairness } from './fairness.js';
import { createForwardHandler } from './forward.js';
import { GatewayDirectory } from './gateway-directory.js';
import type { HealthTransition } from './health/gateway-health.js';
import { HealthChecker } from './health/health-checker.js';
import { ProxyMetrics } from './metrics.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_AFTER_SEC,
  DEFAULT_UPSTREAM_TIMEOUT_MS,
  type RegionalProxyOptions,
} from './options.js';
import { HomeRegionPolicy } from './region/home-region.js';
import { NearestHealthySelector } from './region/nearest-healthy.js';
import { ResidencyPolicy } from './region/residency.js';
import { proxyStatus, type RegionalProxyStatus } from './status.js';
import { proxyRequestSummary } from './request-summary.js';

/** Handle the proxy decorates its fastify instance with. */
export interface RegionalProxyHandle {
  status(): RegionalProxyStatus;
  /**
   * Takes a new topology version (from the control plane): route table,
   * residency, RTT order and drained regions are swapped whole, so a request
   * chooses its region by one version. The gateway list is fixed at start.
   */
  applyTopology(topology: LoadedTopology): void;
  /** Config version the proxy routes by now. */
  readonly configVersion: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present on a regional proxy's traffic app. */
    regionalProxy: RegionalProxyHandle;
  }
}

/**
 * Builds the regional proxy's traffic app, not yet listening: outermost
 * hygiene (minted request ids, stripped internal headers), its own health
 * route, and every other request forwarded to a gateway of the nearest healthy
 * region it may go to. Active health checks run from `ready` until close;
 * closing the app also closes the gateway pools.
 */
export function buildRegionalProxy(options: RegionalProxyOptions): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { telemetry, region } = options;
  // Health thresholds are fixed at start (the checker runs from then); region policy follows each version.
  const policy = options.policy ?? options.routes.view.doc.regionalProxy;
  // First setgate hop: a client-sent x-request-id must not reach logs as ours.
  const app = createService({
    telemetry,
    limits,
    trustRequestId: false,
    describeRequest: proxyRequestSummary(region),
    // A body announced over the limit is drained before this 413 so the client reads it (refused-body.ts).
    refusedBodyDrain: {
      ...DEFAULT_REFUSED_BODY_DRAIN,
      refusal: (limit) => ProxyErrors.create('SETGATE_RP_BODY_TOO_LARGE', { detail: `request body exceeds ${limit} bytes` }),
    },
    ...(options.tls ? { tls: options.tls } : {}),
  });

  // Every path goes to the one catch-all route: `http.route` is its template, never the client's path.
  installHttpMetrics(app, { metrics: new HttpServerMetrics(telemetry.meter, { 'setgate.region': region }) });
  // The outermost hop: every caller is a client, paced after a refusal it is told to wait out (its own or a gateway's).
  installRefusalPacing(app, { maxPauseMs: limits.refusalPauseMs });
  const retryAfterSec = options.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC;
  // First of all hooks: who the client is, and what it may hold of this proxy.
  const workers = Math.max(1, options.workers ?? 1);
  const fairness = installFairness(app, {
    fairness: {
      maxInFlightPerClient: workerShare(policy.fairness.maxInFlightPerClient, workers),
      maxConnectionsPerAddress: workerShare(policy.fairness.maxConnectionsPerAddress, workers),
    },
    trustedEdges: policy.trustedEdges,
    limits,
    retryAfter: String(retryAfterSec),
  });

  const onTransition = (t: HealthTransition) => {
    selector.healthChanged();
    metrics.transition(t);
    const log = t.to === 'healthy' ? app.log.info.bind(app.log) : app.log.warn.bind(app.log);
    log({ gateway: t.gateway, region: t.region, state: t.to, reason: t.reason }, `gateway ${t.gateway} is ${t.to}`);
  };
  const directory = new GatewayDirectory(options.gateways, policy.health, onTransition, options.pool);
  const metrics = new ProxyMetrics(telemetry.meter, {
    regions: () => directory.status().map((r) => ({ region: r.region, healthy: r.healthy })),
    gateways: () => directory.all().map((g) => ({ id: g.id, region: g.region, healthy: g.health.healthy })),
  });
  // Everything region choice reads from the topology, built per version and swapped as one reference.
  const selectorFor = (routes: RoutingTable) => {
    const view = routes.view;
    const regionPolicy = options.policy ?? view.doc.regionalProxy;
    // A drained region gets no new users: it drops out of every candidate list, residency-limited ones included.
    // The lists only change with the version, so they are built here, not per request.
    const drained = new Set(view.doc.regions.filter((r) => r.drained).map((r) => r.name));
    const serving = new Map(
      view.regionNames().map((from) => [from, view.regionsByDistance(from).filter((r) => !drained.has(r))]),
    );
    return {
      routes,
      selector: new NearestHealthySelector({
        home: new HomeRegionPolicy(region, new Set(view.regionNames()), regionPolicy),
        residency: new ResidencyPolicy(routes, regionPolicy),
        byDistance: (from) => serving.get(from) ?? [],
        isHealthy: (name) => directory.isHealthy(name),
      }),
    };
  };
  let current = selectorFor(options.routes);
  const selector = {
    select: (request: Parameters<NearestHealthySelector['select']>[0]) => current.selector.select(request),
    healthChanged: () => current.selector.healthChanged(),
  };
  const checker = new HealthChecker(
    directory.all().map((g) => ({ healthUrl: g.healthUrl, health: g.health })),
    policy.health,
  );
  app.addHook('onReady', async () => checker.start());
  app.addHook('onClose', async () => {
    await checker.stop();
    metrics.close();
    await directory.close();
  });

  // The proxy never parses a body: every content type reaches the handler as the raw stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get(NodePath.health, async () => ({ status: 'ok', region }));
  app.all(
    '*',
    createForwardHandler({
      entryRegion: region,
      selector,
      directory,
      tracer: telemetry.tracer,
      metrics,
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      bodyLimitBytes: limits.bodyLimitBytes,
      retryAfterSec,
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      ...(options.hopSecrets ? { hopSecrets: options.hopSecrets } : {}),
    }),
  );

  const handle: RegionalProxyHandle = {
    status: () => {
      const view = current.routes.view;
      const status = proxyStatus(region, policy, view.regionsByDistance(region), (a, b) => view.rtt(a, b), directory.status());
      return { ...status, fairness: fairness() };
    },
    applyTopology: (topology) => {
      current = selectorFor(buildRoutingTable(topology));
    },
    get configVersion() {
      return current.routes.version;
    },
  };
  app.decorate('regionalProxy', handle);
  return app;
}
