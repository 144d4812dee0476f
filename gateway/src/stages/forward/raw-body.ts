import { BodyDeadlines, hasBody, type ServiceLimits, sendProblem } from '@setgate/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SetgateError } from '@setgate/contracts';

/**
 * Replaces fastify's body parsers with one that keeps every body as raw
 * bytes: the node owns the format, the gateway only forwards it. Buffering
 * (bounded by the listener's bodyLimit, answered with 413) lets undici send
 * an exact content-length and keeps a slow client from holding a node socket.
 */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/**
 * A body slower than `limits.bodyMinBytesPerSec` is cut with 408 (BodyDeadlines)
 * before any node is involved, so it is never an upstream failure. Installed
 * ahead of every stage: a body refused by one (401, 429, 503) is still read, to
 * be dropped, and must keep the rate too, or its connection is closed.
 */
export function watchBodyRates(app: FastifyInstance, limits: Pick<ServiceLimits, 'bodyMinBytesPerSec' | 'bodyGraceMs'>): void {
  const deadlines = new BodyDeadlines(limits, cutBody);
  app.addHook('onRequest', (request, reply, done) => {
    if (hasBody(request.headers)) deadlines.watch(request, reply);
    done();
  });
  app.addHook('onClose', (_app, closed) => {
    deadlines.stop();
    closed();
  });
}

/**
 * Fails the body read fastify's parser is doing with the 408: it answers it
 * through the error handler (problem+json, Connection: close) like any parse
 * error. Before the parser listens, the answer is sent directly.
 */
function cutBody(request: FastifyRequest, reply: FastifyReply, err: SetgateError): void {
  if (request.raw.listenerCount('error') > 0) request.raw.emit('error', err);
  else sendProblem(request, reply, err);
}
