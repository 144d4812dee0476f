/**
 * How an upstream attempt failed, as far as the forward path cares:
 * - `connection`: refused, reset or unreachable before any response — the
 *   gateway may be down; another gateway can be tried when that is safe;
 * - `timeout`: the gateway accepted the request but did not answer in time;
 * - `other`: anything else (malformed response, local errors).
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
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Classifies an error thrown by an undici request before its response arrived. */
export function failureKind(err: unknown): FailureKind {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (CONNECTION_CODES.has(code)) return 'connection';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  return 'other';
}
