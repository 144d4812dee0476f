import { commandNameOf, Header } from '@setgate/contracts';
import type { RequestDescriber } from '@setgate/service-kit';
import type { Ownership } from '../ownership.js';

/**
 * How a node names a finished request: by the command the gateway says it is
 * (`x-setgate-command`, `PUT profile.put`), else by the fastify route template
 * (`GET /state/:shard/:key` from tools). A recording span gets the node's
 * identity and the shard's position: shard, epoch, the LSN written or read
 * at, the role, and a replica read's staleness.
 */
export function nodeRequestSummary(ownership: Ownership): RequestDescriber {
  return (request, _reply, span) => {
    const command = commandNameOf(request.headers[Header.command]);
    const template = request.routeOptions.url ?? 'unmatched';
    if (span !== undefined) {
      const self = ownership.self;
      span.setAttribute('http.route', template);
      span.setAttribute('setgate.node', self.id);
      span.setAttribute('setgate.set', self.set);
      span.setAttribute('setgate.region', self.region);
      if (command !== undefined) span.setAttribute('setgate.command', command);
      const route = request.shardRoute;
      if (route) {
        span.setAttribute('setgate.shard', route.shard);
        span.setAttribute('setgate.epoch', route.epoch);
        span.setAttribute('setgate.lsn', route.lsn);
        span.setAttribute('setgate.role', route.role);
        if (route.freshness) span.setAttribute('setgate.staleness_ms', route.freshness.stalenessMs);
      }
    }
    return { route: command ?? template };
  };
}
