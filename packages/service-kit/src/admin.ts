import type { Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { createService } from './service.js';

export interface AdminOptions {
  readonly telemetry: Telemetry;
  /** What `/status` reports: the component's own view of itself. */
  readonly status: () => unknown;
}

/**
 * The admin listener every component runs beside its traffic listener:
 * Prometheus `/metrics`, `/status` and `/_setgate/health`. Never exposed to clients.
 */
export function createAdminServer(opts: AdminOptions): FastifyInstance {
  const admin = createService({ telemetry: opts.telemetry, tracing: false });
  admin.get('/metrics', (request, reply) => {
    reply.hijack();
    opts.telemetry.scrape(request.raw, reply.raw);
  });
  admin.get('/status', async () => opts.status());
  admin.get('/_setgate/health', async () => ({ status: 'ok' }));
  return admin;
}
