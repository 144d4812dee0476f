import type { Topology } from './schema/topology.js';

type Add = (path: string, message: string) => void;

/** Cross-references of the policy sections (gateway, regional proxy, residency) with the rest. */
export function checkPolicies(t: Topology, regions: ReadonlySet<string>, add: Add): void {
  const classes = new Set(t.gateway.rateLimit.classes.map((c) => c.name));
  t.gateway.rateLimit.classes.forEach((c, i) => {
    if (t.gateway.rateLimit.classes.findIndex((o) => o.name === c.name) !== i) {
      add(`/gateway/rateLimit/classes/${i}/name`, `duplicate rate-limit class "${c.name}"`);
    }
  });
  t.commands.forEach((c, i) => {
    if (classes.size > 0 && !classes.has(c.rateLimitClass)) {
      add(`/commands/${i}/rateLimitClass`, `rate-limit class "${c.rateLimitClass}" is not defined`);
    }
    c.residency?.forEach((r, j) => {
      if (!regions.has(r)) add(`/commands/${i}/residency/${j}`, `unknown region "${r}"`);
    });
  });
  t.regionalProxy.ipRanges.forEach((r, i) => {
    if (!regions.has(r.region)) add(`/regionalProxy/ipRanges/${i}/region`, `unknown region "${r.region}"`);
  });
  if (t.regionalProxy.regionHintHeader.toLowerCase().startsWith('x-setgate-')) {
    add('/regionalProxy/regionHintHeader', 'x-setgate-* headers are internal and stripped from clients');
  }
  const regionOfSet = new Map(t.sets.map((s) => [s.name, s.region]));
  t.placements.forEach((p, i) => {
    if (p.mode !== 'sync' || p.minInsync < 1 || p.insyncRule !== 'other-region') return;
    const leaderRegion = regionOfSet.get(p.leader);
    if (leaderRegion && !p.replicas.some((r) => regionOfSet.get(r) !== undefined && regionOfSet.get(r) !== leaderRegion)) {
      add(`/placements/${i}/insyncRule`, `shard ${p.shard}: other-region needs a replica outside ${leaderRegion}`);
    }
  });
}
