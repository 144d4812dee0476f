import { HOP_BY_HOP, Header, isInternalHeader } from '@setgate/contracts';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingHttpHeaders } from 'node:http';
import type { ResponseHeadersOptions } from './options.js';

/** Node headers a client may see: where its request was served, at which log position, and how stale. */
const PASS_THROUGH = new Set<string>([Header.node, Header.epoch, Header.lsn, Header.stalenessMs, Header.lagEntries]);

/** Never copied from the node: hop-by-hop, the request id this hop already sets, and the session token this gateway issues. */
const NOT_COPIED = new Set<string>([...HOP_BY_HOP, Header.requestId, Header.session, Header.set, Header.shard]);

/**
 * Stage 10: the headers of the answer. Every response, errors included, says
 * which region served it. A node's answer says which set and shard served it
 * (from the gateway's route, not the node's word), keeps its end-to-end headers
 * (content-type, etag, ...) and the pass-through x-setgate-* headers, the
 * staleness ones only when a replica served it; a write's answer carries the
 * client's new session token.
 */
export const responseHeadersStage = fp<ResponseHeadersOptions>(
  (app, opts, done) => {
    app.addHook('onSend', (request, reply, payload, next) => {
      reply.header(Header.region, opts.region);
      const ctx = request.setgate;
      // The command's name (public: it is the API's): the regional proxy names its span and access line by it.
      const command = ctx?.match?.command.def.name;
      if (command !== undefined) reply.header(Header.command, command);
      const upstream = ctx?.upstream;
      // Only when the node's body is what is being sent: a problem raised after forward must not inherit its headers.
      if (upstream !== undefined && payload === upstream.body) {
        copyNodeHeaders(reply, upstream.headers, upstream.fromReplica);
        reply.header(Header.set, upstream.node.set);
        if (ctx.target !== undefined) reply.header(Header.shard, String(ctx.target.shard));
        if (ctx.sessionToken !== undefined) reply.header(Header.session, ctx.sessionToken);
      }
      next(null, payload);
    });
    done();
  },
  { name: 'setgate-response-headers', fastify: '5.x' },
);

function copyNodeHeaders(reply: FastifyReply, headers: IncomingHttpHeaders, fromReplica: boolean): void {
  for (const name in headers) {
    if (NOT_COPIED.has(name) || (isInternalHeader(name) && !PASS_THROUGH.has(name))) continue;
    if (!fromReplica && (name === Header.stalenessMs || name === Header.lagEntries)) continue;
    const value = headers[name];
    if (value !== undefined) reply.header(name, value);
  }
}
