import { createDispatcher, type Dispatcher, failureCode, neverSent } from '@setgate/http-client';
import { Agent } from 'undici';
import type { ServedBy } from './checker/history.js';

/** One answer as the drill client saw it. */
export interface Answer {
  /** Undefined: no HTTP answer (network error or client timeout). */
  readonly status?: number;
  /** problem+json code, or the client-side error code (e.g. ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT). */
  readonly code?: string;
  /** True when the request certainly never left (connection refused): another entry may be tried. */
  readonly neverSent: boolean;
  readonly body?: unknown;
  readonly session?: string;
  readonly served: ServedBy;
}

const num = (v: string | string[] | undefined) => {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || !Number.isFinite(n) ? undefined : n;
};
const str = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The answer says it came from the stale-fallback path, however a gateway phrases it (header name or value). */
function saysStaleFallback(headers: Record<string, string | string[] | undefined>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (name.includes('stale-fallback')) return true;
    if (name.startsWith('x-setgate-') && String(value).includes('stale-fallback')) return true;
  }
  return false;
}

/** Who served the answer, from the x-setgate-* headers proxies and gateways pass to clients. */
export function servedBy(headers: Record<string, string | string[] | undefined>): ServedBy {
  return {
    region: str(headers['x-setgate-region']),
    entryRegion: str(headers['x-setgate-entry-region']),
    node: str(headers['x-setgate-node']),
    epoch: num(headers['x-setgate-epoch']),
    lsn: num(headers['x-setgate-lsn']),
    stalenessMs: num(headers['x-setgate-staleness-ms']),
    ...(saysStaleFallback(headers) ? { staleFallback: true } : {}),
  };
}

/** Source addresses the drill's users are spread over (127.0.1.1 …): users are many clients, not one. */
const SOURCE_ADDRESSES = 32;

/** A stable small hash of a user id, to pick its source address. */
function slotOf(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h % SOURCE_ADDRESSES;
}

/**
 * The drill's HTTP client: keep-alive dispatchers, a deadline per request.
 * Users connect from several loopback source addresses (127.0.1.x), as
 * real users come from many addresses: a proxy's per-address fairness caps
 * then see a few users per address, not the whole drill as one client.
 */
export class DrillClient {
  private readonly dispatchers: Dispatcher[];
  private readonly loopback: Dispatcher;

  constructor(readonly timeoutMs: number, connections = 256) {
    const per = Math.max(4, Math.ceil(connections / SOURCE_ADDRESSES));
    const common = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 4000 };
    this.dispatchers = Array.from(
      { length: SOURCE_ADDRESSES },
      // undici takes the source address as a pool option; inside `connect` it would be overridden.
      (_, i) => new Agent({ ...common, connections: per, localAddress: `127.0.1.${i + 1}`, connect: { timeout: 2000 } }),
    );
    this.loopback = createDispatcher({ connections, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs, connectTimeoutMs: 2000 });
  }

  /** `user` picks the source address (IPv4 loopback origins only); without it, or for another origin, the plain dispatcher. */
  async send(origin: string, method: 'GET' | 'PUT' | 'POST', path: string, headers: Record<string, string>, body?: unknown, user?: string): Promise<Answer> {
    const dispatcher = user !== undefined && new URL(origin).hostname.startsWith('127.') ? (this.dispatchers[slotOf(user)] as Dispatcher) : this.loopback;
    try {
      const res = await dispatcher.request({
        origin,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      const code = res.statusCode >= 400 ? (parsed as { code?: unknown } | undefined)?.code : undefined;
      return {
        status: res.statusCode,
        code: typeof code === 'string' ? code : undefined,
        neverSent: false,
        body: parsed,
        session: str(res.headers['setgate-session']),
        served: servedBy(res.headers),
      };
    } catch (err) {
      return { code: failureCode(err) ?? 'CLIENT_ERROR', neverSent: neverSent(err), served: {} };
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.loopback, ...this.dispatchers].map((d) => d.close()));
  }
}
