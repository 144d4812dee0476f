import type { IncomingHttpHeaders } from 'node:http';
import { Header } from '@setgate/contracts';
import type { FastifyReply } from 'fastify';
import { connectionListed, isHopHeader } from './hop-headers.js';

/**
 * Copies a gateway's response headers onto the client reply, minus this hop's
 * own (hop-by-hop and what `Connection` names). Everything else — the
 * gateway's `-set`, `-shard`, session tokens, caching — is the client's answer
 * and passes unchanged. The entry region and the region that served the
 * request are this hop's facts and set last, so they are always present and
 * always agree with where the proxy sent the request.
 */
export function copyResponseHeaders(
  from: IncomingHttpHeaders,
  reply: FastifyReply,
  entryRegion: string,
  servedRegion: string,
): void {
  const listed = connectionListed(from.connection);
  for (const name in from) {
    if (isHopHeader(name, listed)) continue;
    const value = from[name];
    if (value !== undefined) reply.header(name, value);
  }
  reply.header(Header.entryRegion, entryRegion);
  reply.header(Header.region, servedRegion);
}
