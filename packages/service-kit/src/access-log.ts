import { jsonString, type LineWriter } from '@setgate/telemetry';

/** Env var that switches the access log off (`off`, `0`, `false`, `no`); anything else or unset: on. */
export const ACCESS_LOG_ENV = 'SETGATE_ACCESS_LOG';

/** Whether this process writes an access line per request. */
export function accessLogEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[ACCESS_LOG_ENV]?.trim().toLowerCase();
  return !(v === 'off' || v === '0' || v === 'false' || v === 'no');
}

/** What an access line says about one request. */
export interface AccessEntry {
  readonly method: string;
  /** The path without its query string: queries may carry keys or tokens, and are unbounded. */
  readonly path: string;
  /** The command name (gateway, node) or route template (proxy), as the server span is named. */
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  /** Who answered upstream: a node id (gateway), a gateway id (proxy); absent when nothing was forwarded. */
  readonly upstream: string | undefined;
  readonly requestId: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The problem the request was answered with, if any (errors.ts's sendProblem notes it). */
  readonly problem?: { readonly code: string; readonly refusal: boolean };
}

/**
 * The fields of an access line, serialised (`"access":true,"method":…`): the
 * shape is fixed, so it is written without a generic serialiser (LineWriter).
 * The line's `msg` is the constant `access`, so lines are easy to select.
 */
export function accessFields(e: AccessEntry): string {
  // elapsedTime is always a number; a NaN would make the line unreadable JSON.
  const duration = Number.isFinite(e.durationMs) ? Math.round(e.durationMs * 1000) / 1000 : null;
  let s = `"access":true,"method":${jsonString(e.method)},"path":${jsonString(e.path)},"route":${jsonString(e.route)},"status":${e.status},"duration_ms":${duration}`;
  if (e.upstream !== undefined) s += `,"upstream":${jsonString(e.upstream)}`;
  if (e.problem !== undefined) s += `,"code":${jsonString(e.problem.code)}`;
  return `${s},"request_id":${jsonString(e.requestId)},"trace_id":${jsonString(e.traceId)},"span_id":${jsonString(e.spanId)}`;
}

/**
 * 5xx is the server's failure (error); everything else, 4xx included, is traffic (info): a
 * client's mistake is not an alarm. A deliberate refusal (a shed 503, a rate-limited 429) is
 * a warning: the component is protecting itself as designed, and an error line is written out
 * at once (log-destination.ts), which under overload would cost more than the refusal.
 */
export function accessLevel(status: number, refusal = false): 'info' | 'warn' | 'error' {
  if (refusal) return 'warn';
  return status >= 500 ? 'error' : 'info';
}

/** Writes one access line at the status's level. */
export function writeAccessLine(writer: LineWriter, e: AccessEntry): void {
  const level = accessLevel(e.status, e.problem?.refusal);
  if (writer.enabled(level)) writer.write(level, accessFields(e), 'access');
}
