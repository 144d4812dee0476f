import { NodePath } from '@setgate/contracts';
import { createService, DEFAULT_LIMITS } from '@setgate/service-kit';
import type { FastifyInstance } from 'fastify';
import { createForwardHandler } from './forward.js';
import { GatewayDirectory, type GatewayStatus } from './gateway-directory.js';
import { ProxyMetrics } from './metrics.js';
import { DEFAULT_RETRY_AFTER_SEC, DEFAULT_UPSTREAM_TIMEOUT_MS, type RegionalProxyOptions } from './options.js';
import { ownRegionSelector } from './region-selector.js';

/** What `/status` on the admin listener reports for a regional proxy. */
export interface RegionalProxyStatus {
  readonly region: string;
  readonly gateways: readonly GatewayStatus[];
}

/** Handle the proxy decorates its fastify instance with. */
export interface RegionalProxyHandle {
  status(): RegionalProxyStatus;
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
 * route, and every other request forwarded to a gateway of the selected region.
 * Closing the app closes the gateway pools.
 */
export function buildRegionalProxy(options: RegionalProxyOptions): FastifyInstance {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { telemetry, region } = options;
  // First setgate hop: a client-sent x-request-id must not reach logs as ours.
  const app = createService({ telemetry, limits, trustRequestId: false });
  const directory = new GatewayDirectory(options.gateways, options.pool);
  app.addHook('onClose', () => directory.close());

  // The proxy never parses a body: every content type reaches the handler as the raw stream.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.get(NodePath.health, async () => ({ status: 'ok', region }));
  app.all(
    '*',
    createForwardHandler({
      entryRegion: region,
      selector: options.regionSelector ?? ownRegionSelector(region),
      directory,
      tracer: telemetry.tracer,
      metrics: new ProxyMetrics(telemetry.meter),
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      bodyLimitBytes: limits.bodyLimitBytes,
      retryAfterSec: options.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC,
    }),
  );

  const handle: RegionalProxyHandle = { status: () => ({ region, gateways: directory.status() }) };
  app.decorate('regionalProxy', handle);
  return app;
}
