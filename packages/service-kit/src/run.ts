import type { ReadyMessage } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import type { WorkerReady } from './primary.js';
import { localAdminUrl, removeReadyFile, writeReadyFile } from './ready-file.js';
import { workerSlot } from './workers.js';

/** Environment variable naming the address to listen on when it differs from the topology's host. */
export const BIND_HOST_ENV = 'SETGATE_BIND_HOST';

export interface RunOptions {
  readonly id: string;
  readonly kind: ReadyMessage['kind'];
  readonly host: string;
  readonly port: number;
  readonly adminPort: number;
  readonly app: FastifyInstance;
  readonly admin: FastifyInstance;
  readonly telemetry: Telemetry;
  /** Extra cleanup after the listeners close (stores, pools, timers). */
  readonly onClose?: () => Promise<void>;
}

/**
 * Binds both listeners, reports readiness to a supervisor over IPC, and
 * shuts down cleanly on SIGTERM/SIGINT: stop accepting, finish in-flight
 * requests, then release resources.
 */
export async function runComponent(opts: RunOptions): Promise<void> {
  const { app, admin, telemetry } = opts;
  // A worker of several (primary.ts): the primary owns the ready file and tells the supervisor.
  const worker = workerSlot() !== undefined;
  let closing = false;
  const close = (signal: string) => {
    if (closing) return;
    closing = true;
    void (async () => {
      telemetry.logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => process.exit(1), 10000);
      timer.unref();
      if (!worker) removeReadyFile();
      await Promise.allSettled([app.close(), admin.close()]);
      await opts.onClose?.();
      await telemetry.shutdown();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => close('SIGTERM'));
  process.once('SIGINT', () => close('SIGINT'));
  // A supervisor that dies without signalling must not leave this process behind; one that died
  // while this process was still starting (before this listener existed) has left it disconnected.
  process.once('disconnect', () => close('disconnect'));
  if (process.send !== undefined && !process.connected) {
    close('disconnect');
    return;
  }

  // In a container behind a Service the topology's host is the Service's name, not a local address:
  // SETGATE_BIND_HOST (e.g. 0.0.0.0) is where to listen, while peers keep reaching opts.host.
  const bindHost = process.env[BIND_HOST_ENV] || opts.host;
  // Workers each bind the ports themselves (SO_REUSEPORT, Node 22.12+): the kernel spreads
  // connections among them, with no primary in the accept path to pass them on.
  const shared = worker ? { exclusive: true, reusePort: true } : {};
  await app.listen({ host: bindHost, port: opts.port, ...shared });
  await admin.listen({ host: bindHost, port: opts.adminPort, ...shared });
  // An entry listener with `tls` in the topology serves HTTPS (createService made an https server).
  const scheme = 'setSecureContext' in app.server ? 'https' : 'http';
  const url = `${scheme}://${opts.host}:${opts.port}`;
  const ready: ReadyMessage = {
    type: 'setgate:ready',
    id: opts.id,
    kind: opts.kind,
    url,
    adminUrl: `http://${opts.host}:${opts.adminPort}`,
  };
  // The port actually bound (a test's port 0 becomes a real one).
  const adminAddress = admin.server.address();
  const ownAdminUrl = localAdminUrl(bindHost, typeof adminAddress === 'object' && adminAddress ? adminAddress.port : opts.adminPort);
  telemetry.logger.info({ url, adminUrl: ready.adminUrl }, `${opts.kind} ${opts.id} ready`);
  if (worker) {
    process.send?.({ type: 'setgate:worker-ready', ready, localAdminUrl: ownAdminUrl } satisfies WorkerReady);
    return;
  }
  writeReadyFile(ownAdminUrl);
  process.send?.(ready);
}
