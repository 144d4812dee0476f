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

/**
 * Failures of the connect phase: no socket was ever established, so not one
 * byte of the request left this process. ECONNREFUSED comes from
 * `connect()`; undici's ConnectTimeoutError (UND_ERR_CONNECT_TIMEOUT) destroys
 * the socket before it connects; ENOTFOUND / EAI_AGAIN fail the lookup.
 */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/** Codes that mean "never sent" only when `connect()` raised them; on an open socket they may follow a sent request. */
const CONNECT_ONLY_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

function failureSyscall(err: unknown): string | undefined {
  const e = err as { syscall?: unknown; cause?: { syscall?: unknown } } | null;
  if (typeof e?.syscall === 'string') return e.syscall;
  return typeof e?.cause?.syscall === 'string' ? e.cause.syscall : undefined;
}

/**
 * True only when the request certainly never reached the upstream: the
 * connection was never established (refused, connect timeout, no route
 * at connect, unresolvable name). Resending cannot apply it twice, and
 * "not applied" is the truth. Everything else — a reset or close after the
 * request was written (ECONNRESET, undici's UND_ERR_SOCKET "other side
 * closed"), a headers or body timeout, a malformed answer — may follow a
 * request the upstream acted on: its outcome is unknown.
 */
export function neverSent(err: unknown): boolean {
  const code = failureCode(err);
  if (code === undefined) return false;
  if (NEVER_SENT_CODES.has(code)) return true;
  return CONNECT_ONLY_CODES.has(code) && failureSyscall(err) === 'connect';
}

/**
 * undici refused to build the request from its own arguments (a header value
 * with a control or non-latin1 character, an `expect` or `upgrade` header):
 * it threw before any connection was used. Nothing left the process and no
 * upstream was involved, so such a failure must never count against an
 * upstream's health or buy a retry: it is the request's fault, and another
 * upstream would refuse it the same way.
 */
const UNSENDABLE_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

/** True when undici could not even build the request (see UNSENDABLE_CODES). */
export function unsendable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNSENDABLE_CODES.has(code);
}
