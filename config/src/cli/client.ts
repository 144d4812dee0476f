import { request } from 'undici';

/** A problem+json answer from the control plane, with its HTTP status. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { code?: string; title?: string; detail?: string; problems?: Array<{ path: string; message: string }> },
  ) {
    super(`${problem.code ?? status}: ${problem.detail ?? problem.title ?? 'request failed'}`);
    this.name = 'AdminApiError';
  }
}

/** The admin API as the CLI uses it: JSON in, JSON out, problems thrown. */
export class AdminClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
    /** How long an answer may take (a process restart waits for its ready report). */
    private readonly timeoutMs = 60_000,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (res.statusCode >= 400) throw new AdminApiError(res.statusCode, (parsed ?? {}) as AdminApiError['problem']);
    return { status: res.statusCode, body: parsed };
  }
}
