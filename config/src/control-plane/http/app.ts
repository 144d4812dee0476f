import type { AdminTokenDef } from '@setgate/config';
import { createService } from '@setgate/service-kit';
import type { Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import type { ConfigService } from '../config-service.js';
import type { FailoverStatus } from '../failover/controller.js';
import type { Operations } from '../ops/operations.js';
import type { OpsService } from '../ops/ops-service.js';
import type { ControlPlaneReplicaView } from '../replica-status.js';
import { installAuth } from './auth.js';
import { configRoutes } from './config-routes.js';
import { openApiDocument } from './openapi.js';
import { opsRoutes } from './ops-routes.js';
import { installStrictBodies } from './strict-body.js';

export interface ControlPlaneAppOptions {
  readonly telemetry: Telemetry;
  readonly tokens: readonly AdminTokenDef[];
  readonly service: ConfigService;
  readonly ops: OpsService;
  readonly operations: Operations;
  readonly watchTimeoutMs: number;
  /** The failover controller, whose state `/v1/status` shows; absent in tests that do not run one. */
  readonly failover?: { status(): FailoverStatus };
  /** This replica's store, availability and election state on `/v1/status`; absent: derived from the topology. */
  readonly controlPlaneStatus?: () => Promise<ControlPlaneReplicaView>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** `METHOD /path` of every route, HEAD twins left out: what the OpenAPI document must list. */
    registeredRoutes: readonly string[];
  }
}

/**
 * Documents of thousands of shards are hundreds of KiB, and the largest
 * (65,536 shards) about 8 MiB; beyond this a request is refused (413) before
 * it is parsed. Counts and depth are bounded by document-limits.ts.
 */
const BODY_LIMIT = 12 * 1024 * 1024;

/** The control plane API: authenticated config and ops routes, and their OpenAPI document. */
export function buildControlPlaneApp(opts: ControlPlaneAppOptions): FastifyInstance {
  const app = createService({
    telemetry: opts.telemetry,
    // A watch is held open up to watchTimeoutMs; the listener must not cut it first.
    limits: { bodyLimitBytes: BODY_LIMIT, requestTimeoutMs: opts.watchTimeoutMs + 10000 },
    // Every component holds a watch open at all times: a span or access line per poll would drown the real requests.
    untracedPaths: ['/v1/config/watch'],
  });
  const routes: string[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push(`${m} ${r.url}`);
  });
  installAuth(app, opts.tokens);
  installStrictBodies(app);
  const doc = openApiDocument();
  app.get('/openapi.json', async () => doc);
  configRoutes(app, opts.service, opts.watchTimeoutMs, opts.failover, opts.controlPlaneStatus, opts.ops);
  // Closing waits for in-flight requests, and a watch long-poll would hold it for up to
  // watchTimeoutMs (the supervisor then kills the process): wake the watches first.
  app.addHook('preClose', async () => opts.service.close());
  opsRoutes(app, opts.ops, opts.operations);
  return app;
}
