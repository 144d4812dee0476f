import { ClientSlots } from '@setgate/service-kit';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { GatewayErrors } from '../../errors.js';
import { EventLoopDelay } from './load-monitor.js';
import type { AdmissionOptions } from './options.js';
import { shedCounter } from './shed-counter.js';
import { type LoadSample, ShedPolicy } from './shed-policy.js';

/** What admission knows now, for /status and tests. */
export interface AdmissionState {
  inFlight: number;
  readonly shed: Record<string, number>;
  /** Requests refused because their client already held its per-client cap (client-cap.ts). */
  clientBusy: number;
  /** In-flight requests per client (client-cap.ts). */
  readonly clients: ClientSlots;
  sample(): LoadSample;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** In-flight count, sheds per priority and the current load sample. */
    admission: AdmissionState;
  }
}

/**
 * Stage 4, right after the command is matched (its priority is all shedding
 * needs): sheds by command priority under overload, before any credential is
 * checked or rate window counted, so a shed request costs as little as an
 * answer can. Overload is in-flight requests and event-loop delay against the
 * configured thresholds; low goes first, then normal, then high, each with a
 * random early-drop probability rising with load; critical is admitted up to a
 * hard cap. A shed request is a 503 problem with Retry-After, answered before
 * its body is read. The per-client cap, which needs the verified subject,
 * runs after authentication (client-cap.ts) on the state kept here.
 */
export const admissionStage = fp<AdmissionOptions>(
  (app, opts, done) => {
    const policy = new ShedPolicy(opts.policy);
    const random = opts.random ?? Math.random;
    const loop = opts.eventLoopDelayMs === undefined ? new EventLoopDelay() : undefined;
    const delayMs = opts.eventLoopDelayMs ?? (() => (loop as EventLoopDelay).ms);
    const state: AdmissionState = {
      inFlight: 0,
      shed: { critical: 0, high: 0, normal: 0, low: 0 },
      clientBusy: 0,
      clients: new ClientSlots(opts.maxInFlightPerClient),
      sample: () => ({ inFlight: state.inFlight, eventLoopDelayMs: delayMs() }),
    };
    app.decorate('admission', state);
    const sheds = opts.meter ? shedCounter(opts.meter) : undefined;
    opts.meter
      ?.createObservableGauge('setgate.gateway.in_flight', { description: 'Requests admitted and not yet answered.' })
      .addCallback((r) => r.observe(state.inFlight));
    const retryAfter = String(opts.policy.retryAfterSec);
    const release = () => {
      state.inFlight--;
    };

    app.addHook('onRequest', (request, reply: FastifyReply, next) => {
      const priority = request.setgate.match?.command.def.priority ?? 'normal';
      const sample = state.sample();
      if (policy.shouldShed(priority, sample, random())) {
        state.shed[priority] = (state.shed[priority] ?? 0) + 1;
        sheds?.add(priority, policy.reason(priority, sample));
        next(
          GatewayErrors.create('SETGATE_GW_OVERLOADED', {
            detail: `The gateway is overloaded; ${priority}-priority requests are being shed.`,
            headers: { 'retry-after': retryAfter },
          }),
        );
        return;
      }
      state.inFlight++;
      // 'close' fires once per response, finished or aborted alike, so the count cannot leak
      // (`on`, not `once`: a response closes once, and `once` allocates a wrapper per request).
      reply.raw.on('close', release);
      next();
    });
    app.addHook('onClose', (_app, closed) => {
      loop?.stop();
      closed();
    });
    done();
  },
  { name: 'setgate-admission', fastify: '5.x', dependencies: ['setgate-command-match'] },
);
