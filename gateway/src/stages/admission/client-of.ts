import { addressGroup } from '@setgate/service-kit';
import type { RequestContext } from '../request-context/request-context.js';

/**
 * Who a request is, for per-client limits: the verified subject (issuer and
 * sub; an API key's principal is its own subject), else the client's address
 * (IPv6 by /64). Never a client-chosen header.
 */
export function clientOf(ctx: RequestContext): string {
  const p = ctx.principal;
  return p === undefined ? addressGroup(ctx.clientAddress) : `${p.issuer} ${p.subject}`;
}
