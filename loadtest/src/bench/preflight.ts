import { createPool } from '@setgate/http-client';
import type { LoadRequest } from './benchmark.js';

const BODY_EXCERPT = 300;

/** A response read in full. */
export interface OneResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Sends one request on a short-lived pool (nothing stays open afterwards). */
export async function sendOnce(request: LoadRequest): Promise<OneResponse> {
  const url = new URL(request.url);
  const pool = createPool(url.origin, { connections: 1 });
  try {
    const res = await pool.request({
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
    });
    return { statusCode: res.statusCode, headers: res.headers, body: await res.body.text() };
  } finally {
    await pool.close();
  }
}

/** Sends the request once and throws unless it answers 2xx; `what` names it in the error. */
export async function expect2xx(what: string, request: LoadRequest): Promise<OneResponse> {
  const res = await sendOnce(request);
  if (res.statusCode < 200 || res.statusCode > 299) {
    throw new Error(`${what}: ${request.method} ${request.url} answered ${res.statusCode}: ${res.body.slice(0, BODY_EXCERPT)}`);
  }
  return res;
}

/**
 * Checks a configuration's request before load, so a misconfigured target
 * fails loudly instead of producing a table of error rates: a 2xx, or the
 * refusal status a row that prices refusals expects.
 */
export async function preflight(configuration: string, request: LoadRequest, expectStatus?: number): Promise<void> {
  const first = { ...request, headers: { ...request.headers, ...request.connectionHeaders?.[0] } };
  if (expectStatus === undefined) {
    await expect2xx(`${configuration} preflight`, first);
    return;
  }
  const res = await sendOnce(first);
  if (res.statusCode !== expectStatus) {
    throw new Error(
      `${configuration} preflight: ${request.method} ${request.url} answered ${res.statusCode}, expected ${expectStatus}: ${res.body.slice(0, BODY_EXCERPT)}`,
    );
  }
}
