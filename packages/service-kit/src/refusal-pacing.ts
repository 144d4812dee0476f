import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { answeredProblem } from './tracing.js';

/** Options of refusal pacing. */
export interface RefusalPacingOptions {
  /** Longest pause, in ms (`limits.refusalPauseMs`); 0 turns pacing off. */
  readonly maxPauseMs: number;
  /** Whose connections are paced: clients, not another setgate hop (whose pooled connection carries other users). Default: every caller. */
  readonly appliesTo?: (request: FastifyRequest) => boolean;
  /** Schedules the resume; tests hold it. Default setTimeout, unref'd. */
  readonly schedule?: (resume: () => void, ms: number) => void;
}

const PAUSED = Symbol('setgate.refusalPause');
type PacedSocket = Socket & { [PAUSED]?: true };

/** Retry-After as ms: delta-seconds only (setgate never sends a date); 0 when absent or not a number. */
export function retryAfterMs(value: unknown): number {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return 0;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function defaultSchedule(resume: () => void, ms: number): void {
  setTimeout(resume, ms).unref();
}

/**
 * After a refusal that asks the client to come back later (a deliberate
 * refusal of this component's catalogue, ErrorSpec.refusal: shed,
 * rate-limited, over its cap; or any 429 relayed from the next hop), with
 * Retry-After, reads nothing more from
 * that client's connection until min(Retry-After, maxPauseMs) has passed.
 * The refusal itself is answered at once. A client that honours Retry-After
 * never notices; one that retries at once on the same connection waits in
 * its own socket buffer instead of being refused again and again. Under
 * overload those instant retries were most of the gateway's work: at 20× the
 * served row's connections goodput was 0.23–0.30× of that row's, and with
 * pacing 0.73–0.94× (npm run bench -- overload). Costs no CPU while paused:
 * the kernel holds the bytes.
 */
export function installRefusalPacing(app: FastifyInstance, opts: RefusalPacingOptions): void {
  if (opts.maxPauseMs <= 0) return;
  const schedule = opts.schedule ?? defaultSchedule;
  app.addHook('onResponse', (request, reply, done) => {
    // Not a failure (a 503 for a region that is down): the client is not asked to slow down, only told.
    const refused = reply.statusCode === 429 || answeredProblem(request)?.refusal === true;
    if (refused && (opts.appliesTo?.(request) ?? true)) {
      const ms = Math.min(retryAfterMs(reply.getHeader('retry-after')), opts.maxPauseMs);
      if (ms > 0) pause(request.raw.socket as PacedSocket, ms, schedule);
    }
    done();
  });
}

function pause(socket: PacedSocket, ms: number, schedule: NonNullable<RefusalPacingOptions['schedule']>): void {
  if (socket.destroyed || socket[PAUSED]) return;
  socket[PAUSED] = true;
  socket.pause();
  schedule(() => {
    delete socket[PAUSED];
    if (!socket.destroyed) socket.resume();
  }, ms);
}
