import type { FastifyInstance } from 'fastify';

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
