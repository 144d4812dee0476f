import { HOP_BY_HOP, Header, isInternalHeader } from '@setgate/contracts';
import { injectContext } from '@setgate/telemetry';
import type { FastifyRequest } from 'fastify';
import type { RouteMatch, RoutingTable } from '@setgate/topology';
import { API_KEY_HEADER } from '../auth/api-keys.js';
import type { Principal } from '../auth/principal.js';
import type { RequestContext, RouteTarget } from '../request-context/request-context.js';

/**
 * Client headers never copied to the node: hop-by-hop ones; content-length,
 * which undici recomputes from the buffered body; expect, answered by this
 * hop; authorization, because the gateway asserts the caller itself
 * (x-setgate-subject) and the bearer token stays at the edge; and the ids
 * and trace context, which this hop rewrites.
 */
const NOT_FORWARDED = new Set([
  ...HOP_BY_HOP,
  'content-length',
  'expect',
  'authorization',
  API_KEY_HEADER,
  Header.requestId,
  Header.traceparent,
  Header.tracestate,
]);

/** What the forward stage knows about a routed request. */
export interface RoutedRequest {
  readonly ctx: RequestContext;
  readonly table: RoutingTable;
  readonly match: RouteMatch;
  /** Undefined for an anonymous command called without credentials. */
  readonly principal: Principal | undefined;
  readonly target: RouteTarget;
}

/**
 * Headers for the node: the client's end-to-end headers (content-type,
 * if-match, idempotency-key, ...) plus what the gateway asserts about the
 * request. Internal headers from the client were dropped by header-hygiene;
 * they are skipped here too, so this function is safe on its own.
 */
export function upstreamHeaders(request: FastifyRequest, routed: RoutedRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  const incoming = request.headers;
  const nominated = connectionNominated(incoming.connection);
  for (const name in incoming) {
    if (NOT_FORWARDED.has(name) || isInternalHeader(name) || nominated?.has(name)) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const { ctx, table, match, principal, target } = routed;
  headers[Header.key] = target.key;
  headers[Header.shard] = String(target.shard);
  headers[Header.epoch] = String(target.epoch);
  if (principal !== undefined) {
    headers[Header.subject] = principal.subject;
    if (principal.tenant !== undefined) headers[Header.tenant] = principal.tenant;
  }
  headers[Header.command] = match.command.def.name;
  headers[Header.configVersion] = String(table.version);
  headers[Header.requestId] = ctx.requestId;
  if (ctx.span !== undefined) injectContext(ctx.span, headers);
  return headers;
}

// RFC 9110 §7.6.1: headers named in Connection are hop-by-hop for this message.
function connectionNominated(connection: string | undefined): Set<string> | undefined {
  if (connection === undefined) return undefined;
  // The usual values name no header: skip the split.
  const lower = connection.length <= 10 ? connection.toLowerCase() : '';
  if (lower === 'keep-alive' || lower === 'close') return undefined;
  const names = connection
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0 && s !== 'keep-alive' && s !== 'close');
  return names.length > 0 ? new Set(names) : undefined;
}
