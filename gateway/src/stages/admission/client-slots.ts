import type { RequestContext } from '../request-context/request-context.js';
import { addressKey } from '../header-hygiene/client-address.js';

/**
 * Requests in flight per client, against one cap: a client past it waits
 * while everyone else is still admitted. The map holds only clients with a
 * request in flight (an entry goes with its last request), so it never has
 * more entries than the gateway has requests in flight.
 */
export class ClientSlots {
  private readonly counts = new Map<string, number>();

  constructor(readonly maxPerClient: number) {}

  /** Takes a slot for `client`; false when it already holds `maxPerClient`. */
  tryAcquire(client: string): boolean {
    const held = this.counts.get(client) ?? 0;
    if (held >= this.maxPerClient) return false;
    this.counts.set(client, held + 1);
    return true;
  }

  /** Gives back a slot taken by tryAcquire. */
  release(client: string): void {
    const held = this.counts.get(client);
    if (held === undefined) return;
    if (held <= 1) this.counts.delete(client);
    else this.counts.set(client, held - 1);
  }

  /** Requests `client` has in flight. */
  held(client: string): number {
    return this.counts.get(client) ?? 0;
  }

  /** Clients with a request in flight. */
  get clients(): number {
    return this.counts.size;
  }
}

/**
 * Who a request is, for per-client limits: the verified subject (issuer and
 * sub; an API key's principal is its own subject), else the client's address
 * (IPv6 by /64). Never a client-chosen header.
 */
export function clientOf(ctx: RequestContext): string {
  const p = ctx.principal;
  return p === undefined ? addressKey(ctx.clientAddress) : `${p.issuer} ${p.subject}`;
}
