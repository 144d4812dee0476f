import { Header } from '@setgate/contracts';
import type { RequestDescriber } from '@setgate/service-kit';
import type { Span } from '@setgate/telemetry';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a gateway names a finished request: by its command (`PUT profile.put`),
 * the route template being the command's path; unmatched requests by the fastify
 * route (health) or `unmatched`. A recording span gets what the pipeline
 * learned: command, shard, epoch, the node and set that answered and their
 * position and staleness, and the client's address as header-hygiene decided it.
 */
export function gatewayRequestSummary(region: string): RequestDescriber {
  return (request, _reply, span) => {
    const ctx = request.setgate;
    const def = ctx?.match?.command.def;
    const upstream = ctx?.upstream;
    if (span !== undefined) {
      span.setAttribute('setgate.region', region);
      if (ctx !== undefined) describeContext(span, ctx);
    }
    if (def === undefined) {
      const url = request.routeOptions.url;
      return { route: url === undefined || url === '*' ? 'unmatched' : url };
    }
    return { route: def.name, upstream: upstream?.node.id };
  };
}

function describeContext(span: Span, ctx: NonNullable<Parameters<RequestDescriber>[0]['setgate']>): void {
  if (ctx.clientAddress !== '') span.setAttribute('client.address', ctx.clientAddress);
  const def = ctx.match?.command.def;
  if (def !== undefined) {
    span.setAttribute('setgate.command', def.name);
    span.setAttribute('http.route', def.path);
  }
  if (ctx.target !== undefined) {
    span.setAttribute('setgate.shard', ctx.target.shard);
    span.setAttribute('setgate.epoch', ctx.target.epoch);
  }
  const upstream = ctx.upstream;
  if (upstream === undefined) return;
  span.setAttribute('setgate.node', upstream.node.id);
  span.setAttribute('setgate.set', upstream.node.set);
  span.setAttribute('setgate.replica_read', upstream.fromReplica);
  if (upstream.staleFallback) span.setAttribute('setgate.stale_fallback', true);
  positionAttributes(span, upstream.headers);
}

/** The node's answer's position and staleness (x-setgate-epoch, -lsn, -staleness-ms) as span attributes. */
export function positionAttributes(span: Span, headers: IncomingHttpHeaders): void {
  const epoch = Number(headers[Header.epoch]);
  const lsn = Number(headers[Header.lsn]);
  const staleness = headers[Header.stalenessMs];
  if (Number.isSafeInteger(epoch)) span.setAttribute('setgate.epoch', epoch);
  if (Number.isSafeInteger(lsn)) span.setAttribute('setgate.lsn', lsn);
  if (typeof staleness === 'string' && staleness !== '') span.setAttribute('setgate.staleness_ms', Number(staleness));
}
