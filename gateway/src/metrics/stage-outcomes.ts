import { LabelledCounter, type Meter } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
// Declares request.setgate.
import '../stages/request-context/request-context.js';

/** Auth refusals by the problem code the auth stage answers with, and their `setgate.reason`. */
const AUTH_REASONS: Readonly<Record<string, string>> = {
  SETGATE_GW_UNAUTHENTICATED: 'missing_credentials',
  SETGATE_GW_INVALID_TOKEN: 'invalid_token',
  SETGATE_GW_INVALID_SUBJECT: 'invalid_subject',
  SETGATE_GW_INVALID_API_KEY: 'invalid_api_key',
  SETGATE_GW_INSUFFICIENT_SCOPE: 'insufficient_scope',
  SETGATE_GW_AUTH_THROTTLED: 'throttled',
};

/** Reads refused for freshness, by code. */
const READ_REFUSALS: Readonly<Record<string, string>> = {
  SETGATE_GW_NO_FRESH_REPLICA: 'no_fresh_replica',
  SETGATE_GW_READ_BEHIND_SESSION: 'behind_session',
};

/**
 * The gateway's stage outcomes, every label set at 0 from start:
 * `setgate.gateway.auth.failures` by reason, `setgate.gateway.residency.refusals`,
 * `setgate.gateway.read.refusals` by reason, and `setgate.gateway.reads` by who
 * served them (`setgate.read.source`: write_point, replica, stale_fallback). Read
 * from the problem each refusal answers with and from the forward stage's result,
 * so the stages themselves stay free of metrics bookkeeping.
 */
export function installStageOutcomes(app: FastifyInstance, meter: Meter): void {
  const auth = new LabelledCounter(meter, 'setgate.gateway.auth.failures', 'Requests refused by authentication or authorization, by reason.', {
    'setgate.reason': Object.values(AUTH_REASONS),
  });
  const residency = new LabelledCounter(meter, 'setgate.gateway.residency.refusals', 'Requests refused because their data may not be served from this region.', {});
  const readRefusals = new LabelledCounter(meter, 'setgate.gateway.read.refusals', 'Reads refused for freshness, by reason.', {
    'setgate.reason': Object.values(READ_REFUSALS),
  });
  const reads = new LabelledCounter(meter, 'setgate.gateway.reads', 'Reads answered by a node, by who served them: the write-point, a replica, or the stale fallback.', {
    'setgate.read.source': ['write_point', 'replica', 'stale_fallback'],
  });
  app.addHook('onError', (_request, _reply, error, done) => {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') {
      const reason = AUTH_REASONS[code];
      if (reason !== undefined) auth.add(reason);
      else if (code === 'SETGATE_GW_RESIDENCY') residency.add();
      else {
        const refusal = READ_REFUSALS[code];
        if (refusal !== undefined) readRefusals.add(refusal);
      }
    }
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const upstream = request.setgate?.upstream;
    if (upstream !== undefined && request.setgate.match?.command.def.kind === 'read') {
      reads.add(upstream.staleFallback ? 'stale_fallback' : upstream.fromReplica ? 'replica' : 'write_point');
    }
    done();
  });
}
