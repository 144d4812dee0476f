import type { ReadyMessage } from '@setgate/contracts';
import type { Telemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';

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
  let closing = false;
  const close = (signal: string) => {
    if (closing) return;
    closing = true;
    void (async () => {
      telemetry.logger.info({ signal }, 'shutting down');
      const timer = setTimeout(() => process.exit(1), 10000);
      timer.unref();
      await Promise.allSettled([app.close(), admin.close()]);
      await opts.onClose?.();
      await telemetry.shutdown();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => close('SIGTERM'));
  process.once('SIGINT', () => close('SIGINT'));
  // A supervisor that dies without signalling must not leave this process behind.
  process.once('disconnect', () => close('disconnect'));

  await app.listen({ host: opts.host, port: opts.port });
  await admin.listen({ host: opts.host, port: opts.adminPort });
  const url = `http://${opts.host}:${opts.port}`;
  const ready: ReadyMessage = {
    type: 'setgate:ready',
    id: opts.id,
    kind: opts.kind,
    url,
    adminUrl: `http://${opts.host}:${opts.adminPort}`,
  };
  telemetry.logger.info({ url, adminUrl: ready.adminUrl }, `${opts.kind} ${opts.id} ready`);
  process.send?.(ready);
}
