import { errorCodes, type FastifyInstance } from 'fastify';

/** How much of a body over the limit a listener reads and drops so that its client reads the 413. */
export interface RefusedBodyDrain {
  /** Declared bytes past which the body is refused at once, with the connection closed. */
  readonly maxBytes: number;
  /** Time past which a body still arriving is answered and its connection closed. */
  readonly maxMs: number;
  /** The component's own 413 (default: fastify's, answered as SETGATE_BODY_TOO_LARGE). */
  readonly refusal?: (limit: number) => Error;
}

/** Reading 64 MiB on a loopback or LAN link takes well under a second; nginx lingers up to 30 s. */
export const DEFAULT_REFUSED_BODY_DRAIN: RefusedBodyDrain = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * fastify refuses a body declared over the limit before reading it, with
 * `connection: close`, and Node destroys the socket once the 413 is written.
 * A client still uploading then meets a reset, and one that had not yet read
 * the answer loses it with the connection: a busy machine's client saw EPIPE
 * instead of its 413. (undici, answered before its upload ends, also leaves
 * the connection half-written.) So, as servers do with a lingering close,
 * such a body is read and dropped first and the 413 sent after it, on a
 * connection that stays usable. Bounded: a body declared larger than
 * `maxBytes` is refused at once as before, and one still arriving after
 * `maxMs` is answered then and its connection closed. A body that only
 * turns out too large while it is read (no declared length) is fastify's,
 * as before.
 */
export function installRefusedBodyDrain(app: FastifyInstance, bounds: RefusedBodyDrain = DEFAULT_REFUSED_BODY_DRAIN): void {
  app.addHook('preParsing', (request, reply, payload, done) => {
    const declared = Number(request.headers['content-length']);
    const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
    const raw = request.raw;
    if (!(declared > limit) || declared > bounds.maxBytes || raw.complete) {
      done(null, payload);
      return;
    }
    // A body still arriving at the deadline gets the 413 now, and its connection closed after it.
    const timer = setTimeout(() => {
      reply.header('connection', 'close');
      refuse();
    }, bounds.maxMs);
    timer.unref();
    // Once, whether the body ended or the connection went (timer, or the client left): the
    // request still finishes through fastify, so its hooks (slots, metrics) see it end.
    const refuse = () => {
      clearTimeout(timer);
      raw.off('data', drop);
      raw.off('end', refuse);
      raw.off('close', refuse);
      done(bounds.refusal ? bounds.refusal(limit) : new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    };
    raw.on('data', drop);
    raw.once('end', refuse);
    raw.once('close', refuse);
  });
}

function drop(): void {}
