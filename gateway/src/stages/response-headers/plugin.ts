import { HOP_BY_HOP, Header, isInternalHeader } from '@setgate/contracts';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingHttpHeaders } from 'node:http';
import type { ResponseHeadersOptions } from './options.js';

/** Node headers a client may see: where its request was served and at which log position. */
const PASS_THROUGH = new Set<string>([Header.set, Header.node, Header.shard, Header.epoch, Header.lsn]);

/** Never copied from the node: hop-by-hop, and the request id this hop already sets. */
const NOT_COPIED = new Set<string>([...HOP_BY_HOP, Header.requestId]);

/**
 * Stage 9: the headers of the answer. Every response, errors included, says
 * which region served it. A node's answer keeps its end-to-end headers
 * (content-type, etag, setgate-session, ...) and the pass-through
 * x-setgate-* headers; its other internal headers stay inside.
 */
export const responseHeadersStage = fp<ResponseHeadersOptions>(
  (app, opts, done) => {
    app.addHook('onSend', (request, reply, payload, next) => {
      reply.header(Header.region, opts.region);
      const upstream = request.setgate?.upstream;
      // Only when the node's body is what is being sent: a problem raised after forward must not inherit its headers.
      if (upstream !== undefined && payload === upstream.body) copyNodeHeaders(reply, upstream.headers);
      next(null, payload);
    });
    done();
  },
  { name: 'setgate-response-headers', fastify: '5.x' },
);

function copyNodeHeaders(reply: FastifyReply, headers: IncomingHttpHeaders): void {
  for (const name in headers) {
    if (NOT_COPIED.has(name) || (isInternalHeader(name) && !PASS_THROUGH.has(name))) continue;
    const value = headers[name];
    if (value !== undefined) reply.header(name, value);
  }
}
