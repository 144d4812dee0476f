import type { Telemetry, WorkerMetrics } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { createService } from './service.js';
import { type WorkerPeers, workerPeers } from './workers.js';

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
  const peers = workerPeers();
  if (peers) {
    serveForAllWorkers(admin, peers, opts);
  } else {
    admin.get('/metrics', (request, reply) => {
      reply.hijack();
      opts.telemetry.scrape(request.raw, reply.raw);
    });
    admin.get('/status', async () => opts.status());
  }
  admin.get('/_setgate/health', async () => ({ status: 'ok' }));
  return admin;
}

/**
 * A worker's admin routes answer for the whole process, whichever worker the
 * kernel gave the connection to: `/metrics` merges every worker's series
 * (telemetry's worker-metrics.ts says how), `/status` is the first worker's
 * view with every worker's under `workers`.
 */
function serveForAllWorkers(admin: FastifyInstance, peers: WorkerPeers, opts: AdminOptions): void {
  peers.provide('metrics', () => opts.telemetry.collectMetrics());
  peers.provide('status', () => ({ pid: process.pid, ...(opts.status() as object) }));
  admin.get('/metrics', async (_request, reply) => {
    const reports = await peers.gather<WorkerMetrics['scopeMetrics']>('metrics');
    const text = opts.telemetry.renderMetrics(reports.map((r) => ({ worker: r.worker, scopeMetrics: r.data ?? [] })));
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  admin.get('/status', async () => {
    const reports = await peers.gather<Record<string, unknown>>('status');
    return { ...(reports[0]?.data ?? {}), workers: reports.map((r) => ({ worker: r.worker, ...r.data })) };
  });
}
