import { request } from 'undici';
import type { PartitionMode } from './faults.js';
import type { RelayStatus } from './relay.js';
import { WanAdminPath } from './admin-server.js';

/** The env var naming a relay's admin URL for `setgate wan` (the token is the stack's internal one). */
export const WAN_ADMIN_URL_ENV = 'SETGATE_WAN_URL';

/** A refused admin call: its status and problem+json body. */
export class WanAdminError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; title?: string; detail?: string },
  ) {
    super(`${status} ${problem.code ?? ''} ${problem.detail ?? problem.title ?? ''}`.trim());
    this.name = 'WanAdminError';
  }
}

/** Answer of a fault change: every direction's faults now. */
export interface FaultsAnswer {
  readonly faults: RelayStatus['faults'];
  readonly jitterMs: number;
}

/** Client of a relay's admin endpoint (the CLI, the launcher, drills and tests use it). */
export class WanAdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  status(): Promise<RelayStatus> {
    return this.call('GET', WanAdminPath.status);
  }

  /** Per source region: target `host:port` → relay `host:port`. */
  async routes(): Promise<Record<string, Record<string, string>>> {
    return (await this.call<{ routes: Record<string, Record<string, string>> }>('GET', WanAdminPath.routes)).routes;
  }

  partition(a: string, b: string, opts: { oneWay?: boolean; mode?: PartitionMode } = {}): Promise<FaultsAnswer> {
    return this.call('POST', WanAdminPath.partition, { a, b, oneWay: opts.oneWay === true, mode: opts.mode ?? 'hold' });
  }

  slow(a: string, b: string, opts: { delayMs?: number; bandwidthKbps?: number; oneWay?: boolean }): Promise<FaultsAnswer> {
    return this.call('POST', WanAdminPath.slow, { a, b, ...opts });
  }

  heal(a?: string, b?: string): Promise<FaultsAnswer> {
    return this.call('POST', WanAdminPath.heal, a !== undefined || b !== undefined ? { a, b } : {});
  }

  jitter(jitterMs: number): Promise<FaultsAnswer> {
    return this.call('POST', WanAdminPath.jitter, { jitterMs });
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      let problem: WanAdminError['problem'] = {};
      try {
        problem = JSON.parse(text) as WanAdminError['problem'];
      } catch {
        problem = { detail: text.slice(0, 200) };
      }
      throw new WanAdminError(res.statusCode, problem);
    }
    return JSON.parse(text) as T;
  }
}
