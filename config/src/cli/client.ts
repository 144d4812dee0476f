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

  // Node's own fetch, not undici's module: a CLI call pays its start-up on every run, and fetch
  // is part of the runtime (~50 ms to first answer here, against ~120 ms to import undici).
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // fetch says only "fetch failed"; its cause names what happened (ECONNREFUSED, a timeout).
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(cause?.code ?? cause?.message ?? (err as Error).message, { cause: err });
    }
    const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
    if (res.status >= 400) throw new AdminApiError(res.status, (parsed ?? {}) as AdminApiError['problem']);
    return { status: res.status, body: parsed };
  }
}
