import type { UpstreamAnswer } from '@setgate/http-client';
import {
  type ClientOutcome,
  outcomeOfError,
  outcomeOfStatus,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@setgate/telemetry';
import { positionAttributes } from '../../request-summary.js';
import type { Candidate } from '../routing/route-plan.js';

/**
 * How one attempt on a node ended, as `setgate.outcome` on its client span: the
 * values of `http.client.request.duration`'s outcome (ok, error_status,
 * misdirected, timeout, refused, failed), plus two answers the walk moves on
 * from: `read_refused` (a 409 behind-position or too-stale refusal) and
 * `unstated` (a replica that states no staleness).
 */
export type AttemptOutcome = ClientOutcome | 'read_refused' | 'unstated';

/**
 * A CLIENT span for one attempt on one node, child of the gateway's server
 * span, only when that span is recorded: an unsampled request pays nothing.
 * It says which replica was chosen and which attempt this is, so retries and
 * fallbacks each show as a sibling span.
 */
export function startAttemptSpan(
  tracer: Tracer | undefined,
  parent: Span | undefined,
  command: string,
  method: string,
  c: Candidate,
  attempt: number,
): Span | undefined {
  if (tracer === undefined || parent === undefined || !parent.isRecording()) return undefined;
  return tracer.startSpan(
    `${method} ${command}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'server.address': c.node.host,
        'server.port': c.node.port,
        'setgate.command': command,
        'setgate.node': c.node.id,
        'setgate.set': c.node.set,
        'setgate.region': c.node.region,
        'setgate.replica_read': !c.leader,
        'setgate.attempt': attempt,
        ...(attempt > 1 ? { 'http.request.resend_count': attempt - 1 } : {}),
        ...(c.staleFallback ? { 'setgate.stale_fallback': true } : {}),
      },
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
}

/** Ends an attempt that got an answer; `movedOn` says why the walk did not use it, when it did not. */
export function answeredAttempt(span: Span | undefined, response: UpstreamAnswer, movedOn?: 'read_refused' | 'unstated'): void {
  if (span === undefined) return;
  span.setAttribute('http.response.status_code', response.statusCode);
  const outcome: AttemptOutcome = movedOn ?? outcomeOfStatus(response.statusCode);
  span.setAttribute('setgate.outcome', outcome);
  positionAttributes(span, response.headers);
  if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Ends an attempt that failed without an answer; `ejected` when this failure took the node out of selection. */
export function failedAttempt(span: Span | undefined, err: unknown, ejected: boolean): void {
  if (span === undefined) return;
  span.setAttribute('setgate.outcome', outcomeOfError(err));
  if (ejected) span.setAttribute('setgate.ejected', true);
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string') span.setAttribute('error.type', e.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof e?.message === 'string' ? e.message : 'upstream failure' });
  span.end();
}
