import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { CommonErrors, type SetgateError } from '@setgate/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceLimits } from './service.js';

/** One body being read: where its count started. */
interface Watched {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Clock start of the rate check (reset while the reader, not the client, is the one behind). */
  since: number;
  /** The socket's bytesRead at `since`. */
  bytesAtSince: number;
  /** The reply went out before the body was in: the rest is read only to be dropped. */
  answered: boolean;
}

/** What a component does with a body found too slow; `err` is the 408 problem to answer. */
export type CutBody = (request: FastifyRequest, reply: FastifyReply, err: SetgateError) => void;

const CHECK_MS = 250;

/**
 * Body-read deadlines as a minimum data rate: a request body must arrive at
 * `bodyMinBytesPerSec` on average once `bodyGraceMs` has passed, or it is cut with
 * 408 SETGATE_BODY_TOO_SLOW. Hundreds of uploads trickling a byte a second would
 * otherwise each hold an in-flight slot (and at the proxy a gateway connection)
 * until the whole-request timeout.
 *
 * One sweep every 250 ms over the bodies being read, no timer or listener per
 * request: progress is the socket's bytesRead. With no body being read there
 * is no sweep at all. While bytes wait unread in the
 * request's own buffer the reader is behind (an upstream applying backpressure),
 * not the client, so the count restarts then.
 *
 * A request answered before its body was in (refused by a hook, or an upstream
 * that answered early) stays watched: Node reads the rest of the body only to
 * drop it, and keeps the connection for it, with nothing but the whole-request
 * timeout to stop a client trickling it forever. Its count restarts when the
 * answer is seen; behind the rate, its connection is closed (no second answer
 * can be written on it).
 */
export class BodyDeadlines {
  private readonly watched = new Set<Watched>();
  /** Runs only while a body is watched: an idle process is not woken four times a second for nothing. */
  private timer: NodeJS.Timeout | undefined;
  private readonly minBytesPerMs: number;
  private readonly graceMs: number;

  constructor(
    limits: Pick<ServiceLimits, 'bodyMinBytesPerSec' | 'bodyGraceMs'>,
    private readonly cut: CutBody,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.minBytesPerMs = limits.bodyMinBytesPerSec / 1000;
    this.graceMs = limits.bodyGraceMs;
  }

  /** Starts watching a request's body (call when it announced one and before it is read). */
  watch(request: FastifyRequest, reply: FastifyReply): void {
    const raw = request.raw;
    if (raw.complete) return;
    this.watched.add({ request, reply, since: this.now(), bytesAtSince: raw.socket?.bytesRead ?? 0, answered: false });
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), CHECK_MS);
      this.timer.unref();
    }
  }

  /** Bodies being watched now. */
  get size(): number {
    return this.watched.size;
  }

  /** One sweep: forgets finished bodies, cuts the ones behind the rate. Public for tests. */
  check(): void {
    const now = this.now();
    for (const w of this.watched) {
      const raw: IncomingMessage = w.request.raw;
      const socket = raw.socket;
      if (raw.complete || raw.destroyed || socket === null || socket.destroyed) {
        this.watched.delete(w);
        continue;
      }
      // Once answered, nobody waits on the body: bytes left unread are no reason to wait longer.
      const answeredNow = w.reply.sent && !w.answered;
      if (answeredNow) w.answered = true;
      if (answeredNow || (!w.answered && raw.readableLength > 0)) {
        w.since = now;
        w.bytesAtSince = socket.bytesRead;
        continue;
      }
      const late = now - w.since - this.graceMs;
      if (late <= 0 || socket.bytesRead - w.bytesAtSince >= late * this.minBytesPerMs) continue;
      this.watched.delete(w);
      if (w.answered) {
        socket.destroy();
        continue;
      }
      this.cut(
        w.request,
        w.reply,
        CommonErrors.create('SETGATE_BODY_TOO_SLOW', {
          detail: `The request body arrived slower than ${Math.round(this.minBytesPerMs * 1000)} bytes/s; send it faster.`,
          // The rest of the body is not read: the connection cannot carry another request.
          headers: { connection: 'close' },
        }),
      );
    }
    if (this.watched.size === 0) this.stopTimer();
  }

  /** True while the sweep runs (some body is watched). */
  get sweeping(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    this.stopTimer();
    this.watched.clear();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** True when the client announced a body: chunked, or a non-zero Content-Length. */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}
