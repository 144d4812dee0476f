import type { Topology } from './schema/topology.js';

type Add = (path: string, message: string) => void;

/**
 * Drain flags and the control plane section: a drained set or region holds no
 * leader, something must stay undrained, and the control plane's listeners and
 * tokens do not clash with the rest.
 */
export function checkControl(t: Topology, ports: ReadonlyMap<string, string>, add: Add): void {
  if (t.regions.length > 0 && t.regions.every((r) => r.drained)) {
    add('/regions', 'every region is drained: users would have nowhere to go');
  }
  if (t.sets.length > 0 && t.sets.every((s) => s.drained)) add('/sets', 'every set is drained: no set may lead a shard');
  const drainedRegions = new Set(t.regions.filter((r) => r.drained).map((r) => r.name));
  const setInfo = new Map(t.sets.map((s) => [s.name, { drained: s.drained, region: s.region }]));
  t.placements.forEach((p, i) => {
    const leader = setInfo.get(p.leader);
    if (!leader) return; // reported by the placement checks
    if (leader.drained) add(`/placements/${i}/leader`, `shard ${p.shard}: leader set "${p.leader}" is drained`);
    else if (drainedRegions.has(leader.region)) {
      add(`/placements/${i}/leader`, `shard ${p.shard}: leader set "${p.leader}" is in drained region ${leader.region}`);
    }
  });
  const cp = t.controlPlane;
  if (!cp) return;
  for (const field of ['port', 'adminPort'] as const) {
    const owner = ports.get(`${cp.host}:${cp[field]}`);
    if (owner) add(`/controlPlane/${field}`, `port ${cp.host}:${cp[field]} collides with ${owner}`);
  }
  if (cp.port === cp.adminPort) add('/controlPlane/adminPort', 'adminPort must differ from port');
  const names = new Set<string>();
  const hashes = new Set<string>();
  cp.tokens.forEach((tok, i) => {
    if (names.has(tok.name)) add(`/controlPlane/tokens/${i}/name`, `duplicate token name "${tok.name}"`);
    if (hashes.has(tok.sha256)) add(`/controlPlane/tokens/${i}/sha256`, 'the same token is listed twice');
    names.add(tok.name);
    hashes.add(tok.sha256);
  });
  if (!cp.tokens.some((tok) => tok.role === 'admin')) {
    add('/controlPlane/tokens', 'no admin token: nobody could change the auth or controlPlane sections');
  }
}
