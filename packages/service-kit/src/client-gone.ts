import type { FastifyReply } from 'fastify';

/**
 * Aborts when the client goes away before its answer is written: a long-poll
 * (control-plane watch, replication fetch) must not keep a waiter behind. The
 * response's 'close' is the signal, not the request's, which fires as soon as
 * the body has been read. An answered poll closes too, and aborts nothing: an
 * abort makes a DOMException (a stack trace), and idle stacks answer dozens of
 * polls a second.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}
