/**
 * How an upstream call failed, as far as a forwarding hop cares:
 * - `connection`: refused, reset or unreachable before any response — the
 *   upstream may be down, and another one can be tried when that is safe;
 * - `timeout`: the upstream accepted the request but did not answer in time
 *   (it may have acted on it);
 * - `other`: anything else (a malformed response, a local error).
 */
export type FailureKind = 'connection' | 'timeout' | 'other';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The error's code, or its cause's (undici wraps some socket errors). */
export function failureCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (typeof e?.code === 'string') return e.code;
  return typeof e?.cause?.code === 'string' ? e.cause.code : undefined;
}

/** Classifies an error thrown by an undici request before its response arrived. */
export function failureKind(err: unknown): FailureKind {
  const code = failureCode(err);
  if (code === undefined) return 'other';
  if (CONNECTION_CODES.has(code)) return 'connection';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return 'other';
}

/** True when the request never reached the upstream (connection refused): resending cannot apply it twice. */
export function neverSent(err: unknown): boolean {
  return failureCode(err) === 'ECONNREFUSED';
}
