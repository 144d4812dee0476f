import { CommonErrors } from '@setgate/contracts';
import type { Meter } from '@setgate/telemetry';
import fp from 'fastify-plugin';
import { clientOf } from './client-of.js';

/** Options of the per-client cap; the cap itself is admission's (`app.admission.clients`). */
export interface ClientCapOptions {
  /** Retry-After of the 429, in seconds (the admission policy's). */
  readonly retryAfterSec: number;
  readonly meter?: Meter;
}

/**
 * Stage 6, the second half of admission: a client, by verified subject or else
 * address, may hold at most `maxInFlightPerClient` requests; past it 429
 * SETGATE_CLIENT_BUSY with Retry-After, so one client's slow uploads cannot take
 * the budget of everyone else. After authentication, since a client is who the
 * token says; before the rate limit, so a refused request spends no window.
 * The slots live on `app.admission` (plugin.ts).
 */
export const clientCapStage = fp<ClientCapOptions>(
  (app, opts, done) => {
    const state = app.admission;
    const retryAfter = String(opts.retryAfterSec);
    const busy = opts.meter?.createCounter('setgate.gateway.client_busy', {
      description: 'Requests refused because their client held its per-client in-flight cap.',
    });
    busy?.add(0);
    app.addHook('onRequest', (request, reply, next) => {
      if (state.clients.holdUntilClosed(clientOf(request.setgate), reply.raw)) {
        next();
        return;
      }
      state.clientBusy++;
      busy?.add(1);
      next(
        CommonErrors.create('SETGATE_CLIENT_BUSY', {
          detail: `At most ${state.clients.maxPerClient} requests of one client are served at a time; retry when one has been answered.`,
          headers: { 'retry-after': retryAfter },
        }),
      );
    });
    done();
  },
  { name: 'setgate-client-cap', fastify: '5.x', dependencies: ['setgate-admission', 'setgate-auth'] },
);
