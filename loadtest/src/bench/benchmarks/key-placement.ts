import { type NodeRef, shardOf, type TopologyView } from '@setgate/topology';

/** A shard key together with where it is written. */
export interface PlacedKey {
  readonly key: string;
  readonly shard: number;
  readonly writePoint: NodeRef;
}

/**
 * The first key `<prefix><n>` (n = 0, 1, …) that `accept` takes:
 * deterministic, so runs compare like with like. `what` names the wish in the error.
 */
export function firstKeyWhere(view: TopologyView, prefix: string, accept: (k: PlacedKey) => boolean, what: string, maxTries = 100_000): PlacedKey {
  return keysWhere(view, prefix, accept, 1, what, maxTries)[0] as PlacedKey;
}

/** The first `count` keys `<prefix><n>` that `accept` takes, in order of n; `what` names the wish in the error. */
export function keysWhere(
  view: TopologyView,
  prefix: string,
  accept: (k: PlacedKey) => boolean,
  count: number,
  what: string,
  maxTries = 1_000_000,
): PlacedKey[] {
  const keys: PlacedKey[] = [];
  for (let n = 0; n < maxTries && keys.length < count; n++) {
    const key = `${prefix}${n}`;
    const shard = shardOf(key, view.shardCount);
    const placed = { key, shard, writePoint: view.writePoint(shard) };
    if (accept(placed)) keys.push(placed);
  }
  if (keys.length < count) {
    const found = keys.length === 0 ? 'no key' : `only ${keys.length} of ${count} keys`;
    throw new Error(`${found} among ${maxTries} candidates ${what}`);
  }
  return keys;
}

/** The first key `<prefix><n>` whose shard's write-point is in `region`. */
export function keyLedInRegion(view: TopologyView, region: string, prefix = 'bench-user-', maxTries = 100_000): PlacedKey {
  return firstKeyWhere(view, prefix, (k) => k.writePoint.region === region, `has its write-point in region ${region}`, maxTries);
}

/** The topology's first region and that region's first gateway: where single-gateway benchmarks run. */
export function firstRegionGateway(view: TopologyView): { readonly region: string; readonly gatewayId: string } {
  const region = view.regionNames()[0];
  if (!region) throw new Error('the topology has no region');
  const gatewayId = view.gatewaysOf(region)[0]?.id;
  if (!gatewayId) throw new Error(`region ${region} has no gateway`);
  return { region, gatewayId };
}

/** One region's path for a benchmark: its first proxy and gateway, and a key led by a node of that region. */
export interface RegionPath {
  readonly region: string;
  readonly proxyId: string;
  readonly gatewayId: string;
  readonly placed: PlacedKey;
  /** The instances to start: proxy, gateway and the key's write-point. */
  readonly started: ReadonlySet<string>;
}

/**
 * Picks the first region of the topology, its first regional proxy and
 * gateway, and a key whose write-point is in that region, so a request
 * crosses no region and compares like with like between runs.
 */
export function firstRegionPath(view: TopologyView): RegionPath {
  const { region, gatewayId } = firstRegionGateway(view);
  const proxyId = view.allInstances().find((i) => i.kind === 'regional-proxy' && i.region === region)?.id;
  if (!proxyId) throw new Error(`region ${region} has no regional proxy`);
  const placed = keyLedInRegion(view, region);
  return { region, proxyId, gatewayId, placed, started: new Set([proxyId, gatewayId, placed.writePoint.id]) };
}

/**
 * A topology edit that keeps only `gatewayId` among `region`'s gateways, so
 * the region's proxy sends every request through the same gateway and none
 * to an instance a benchmark did not start.
 */
export function keepOneGatewayIn(doc: Record<string, unknown>, region: string, gatewayId: string): void {
  const regions = doc.regions as Array<{ name: string; gateways: Array<{ id: string }> }>;
  const r = regions.find((x) => x.name === region);
  if (r) r.gateways = r.gateways.filter((g) => g.id === gatewayId);
}

/**
 * The topology edit of a single-gateway benchmark (the gateway bench, the observability probe): only
 * `gatewayId` in `region`, its rate limits shared through the Redis at `redisUrl`, and every shard
 * acknowledging writes after its write-point's own append, since only the write-point runs.
 */
export function oneGatewayWithRedis(region: string, gatewayId: string, redisUrl: string): (doc: Record<string, unknown>) => void {
  return (doc) => {
    keepOneGatewayIn(doc, region, gatewayId);
    const gw = (doc.gateway ?? {}) as { rateLimit?: Record<string, unknown> };
    gw.rateLimit = { ...gw.rateLimit, redisUrl };
    doc.gateway = gw;
    for (const p of doc.placements as Array<Record<string, unknown>>) Object.assign(p, { mode: 'async', minInsync: 0 });
  };
}
