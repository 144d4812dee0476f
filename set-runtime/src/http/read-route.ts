import { comparePositions, Header, type LogPosition, parsePosition } from '@setgate/contracts';
import type { FastifyRequest } from 'fastify';
import { NodeErrors } from '../errors.js';
import { type RoutingDeps, routeShard, type ShardRoute } from './shard-route.js';

const MS = /^\d{1,15}$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Routes a read to the local replica and applies the read-freshness contract
 * (`ReadRefusedProblem` in contracts): refuse at once when the replica is
 * staler than `x-setgate-max-staleness-ms`; wait up to `replication.readWaitMs`
 * for it to reach `x-setgate-min-position`, else refuse. Both refusals are
 * 409s naming this replica's position and staleness and the write-point.
 */
export async function routeRead(deps: RoutingDeps, request: FastifyRequest, key: string, claimedShard?: string): Promise<ShardRoute> {
  const route = routeShard(deps, request, key, 'read', claimedShard);
  const rawMin = header(request, Header.minPosition);
  const min = parsePosition(rawMin);
  if (rawMin !== undefined && !min) throw badHeader(Header.minPosition, 'expected epoch:lsn');
  const rawMax = header(request, Header.maxStalenessMs);
  if (rawMax !== undefined && !MS.test(rawMax)) throw badHeader(Header.maxStalenessMs, 'expected a non-negative integer');

  const { replicator } = deps;
  const store = route.store;
  route.freshness = replicator.freshness(route.shard);
  if (rawMax !== undefined && route.freshness.stalenessMs > Number(rawMax)) {
    throw refused(deps, route, 'SETGATE_NODE_TOO_STALE', `this replica is ${route.freshness.stalenessMs} ms stale; the read allows ${rawMax} ms`);
  }
  if (min) {
    const reached = () => comparePositions(store.position(), min) >= 0;
    let ok = reached();
    if (!ok) {
      const started = performance.now();
      const progress = replicator.progressOf(route.shard);
      ok = progress ? await progress.until(reached, replicator.settings.readWaitMs) : false;
      deps.readWaits?.record(ok ? 'reached' : 'timed_out', performance.now() - started);
    }
    route.lsn = store.position().lsn;
    route.freshness = replicator.freshness(route.shard);
    if (!ok) {
      throw refused(deps, route, 'SETGATE_NODE_BEHIND_POSITION', `this replica is at ${store.position().epoch}:${route.lsn}; the read needs ${rawMin}`);
    }
  }
  return route;
}

function refused(deps: RoutingDeps, route: ShardRoute, code: 'SETGATE_NODE_TOO_STALE' | 'SETGATE_NODE_BEHIND_POSITION', detail: string) {
  const position: LogPosition = { epoch: route.epoch, lsn: route.lsn };
  return NodeErrors.create(code, {
    detail,
    extensions: {
      shard: route.shard,
      position,
      stalenessMs: route.freshness?.stalenessMs ?? 0,
      owner: deps.ownership.owner(route.shard),
    },
  });
}

function badHeader(name: string, detail: string) {
  return NodeErrors.create('SETGATE_NODE_BAD_HEADER', { detail: `${name}: ${detail}`, extensions: { header: name } });
}
