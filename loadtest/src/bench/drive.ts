import autocannon from 'autocannon';
import type { LoadRequest } from './benchmark.js';

/** What one bounded load run observed at the client. */
export interface LoadSample {
  /** Responses received, whatever their status. */
  readonly requests: number;
  /** Wall time the run lasted, in seconds. */
  readonly durationSec: number;
  readonly reqPerSec: number;
  /** 2xx answers per second (goodput). */
  readonly okPerSec: number;
  /** Answers by status code, e.g. { "200": 9811, "503": 40 }. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Over every answer, or over 2xx only when the run asked for `latencyOf: 'ok'`. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Connection errors, timeouts included. */
  readonly errors: number;
  readonly timeouts: number;
  /** Responses whose status was not 2xx. */
  readonly non2xx: number;
}

/** Limits of one run. */
export interface DriveOptions {
  readonly durationSec: number;
  readonly connections: number;
  /** Requests per second offered across all connections (autocannon's overallRate); omitted: as fast as answered. */
  readonly rate?: number;
  /** Ends the run early (Ctrl-C); the partial sample is still returned. */
  readonly signal?: AbortSignal;
  /** 'ok': latency percentiles over 2xx answers only. Default 'all'. */
  readonly latencyOf?: 'all' | 'ok';
}

/** Seconds autocannon waits for one response before counting a timeout: bounds a stuck upstream. */
const RESPONSE_TIMEOUT_SEC = 10;

/** Drives one request with autocannon for a bounded time and connection count. */
export function drive(request: LoadRequest, opts: DriveOptions): Promise<LoadSample> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: request.url,
        method: request.method,
        headers: { ...request.headers },
        ...(request.body !== undefined ? { body: request.body } : {}),
        connections: opts.connections,
        ...(opts.rate !== undefined ? { overallRate: opts.rate } : {}),
        duration: opts.durationSec,
        timeout: RESPONSE_TIMEOUT_SEC,
        ...(opts.latencyOf === 'ok' ? { excludeErrorStats: true } : {}),
        ...(request.connectionHeaders?.length ? { setupClient: headersInTurn(request.connectionHeaders) } : {}),
      },
      (err: unknown, result: autocannon.Result) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        resolve(toSample(result));
      },
    );
    const onAbort = () => instance.stop();
    if (opts.signal?.aborted) instance.stop();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A setupClient giving connection i the headers at i mod length (autocannon sets clients up in order). */
function headersInTurn(list: readonly Readonly<Record<string, string>>[]): (client: autocannon.Client) => void {
  let next = 0;
  return (client) => {
    client.setHeaders({ ...list[next % list.length] });
    next++;
  };
}

function toSample(r: autocannon.Result): LoadSample {
  const requests = r.requests.total;
  const perSec = (n: number) => (r.duration > 0 ? n / r.duration : 0);
  const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  return {
    requests,
    durationSec: r.duration,
    // From the total, not autocannon's per-second average, so a run's last partial second counts fully.
    reqPerSec: perSec(requests),
    okPerSec: perSec(r['2xx']),
    statuses,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}
