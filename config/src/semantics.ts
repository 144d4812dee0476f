import { FirstSeen, fnv, fnvStep } from './first-seen.js';
import type { ConfigProblem } from './problems.js';
import { routePathProblem } from './route-path.js';
import { checkControl } from './semantics-control.js';
import { checkAccess } from './semantics-access.js';
import { checkPolicies } from './semantics-policy.js';
import { checkSecretsAndAddresses } from './semantics-secrets.js';
import type { CommandDef, Topology } from './schema/topology.js';

/**
 * Checks what the schema cannot: references between sections, uniqueness,
 * coverage of the shard space, port collisions, routable command paths.
 * Returns every problem found.
 */
export function checkSemantics(t: Topology): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const regionNames = uniqueNames(t.regions, (r) => r.name, '/regions', 'name', 'region', add);
  const setsByName = new Map<string, Topology['sets'][number]>();
  t.sets.forEach((s, i) => {
    if (setsByName.has(s.name)) add(`/sets/${i}/name`, `duplicate set "${s.name}"`);
    else setsByName.set(s.name, s);
    if (!regionNames.has(s.region)) add(`/sets/${i}/region`, `set "${s.name}" names unknown region "${s.region}"`);
  });

  const ports = checkInstanceIdsAndPorts(t, add);
  checkRtt(t, regionNames, add);
  checkPlacements(t, setsByName, regionNames, add);
  checkCommands(t.commands, add);
  checkPolicies(t, regionNames, add);
  checkAccess(t, regionNames, add);
  checkControl(t, ports, add);
  checkSecretsAndAddresses(t, add);
  return problems;
}

type Add = (path: string, message: string) => void;

function uniqueNames<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  base: string,
  field: string,
  what: string,
  add: Add,
): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = nameOf(item);
    if (seen.has(name)) add(`${base}/${i}/${field}`, `duplicate ${what} "${name}"`);
    seen.add(name);
  });
  return seen;
}

/** Returns every claimed host:port with the path that claimed it. */
function checkInstanceIdsAndPorts(t: Topology, add: Add): Map<string, string> {
  const ids = new Map<string, string>();
  const ports = new Map<string, string>();
  const claim = (path: string, id: string, host: string, port: number, adminPort: number) => {
    const prior = ids.get(id);
    if (prior) add(`${path}/id`, `instance id "${id}" is also used at ${prior}`);
    else ids.set(id, path);
    for (const [field, p] of [
      ['port', port],
      ['adminPort', adminPort],
    ] as const) {
      const key = `${host}:${p}`;
      const owner = ports.get(key);
      if (owner) add(`${path}/${field}`, `port ${key} collides with ${owner}`);
      else ports.set(key, `${path}/${field}`);
    }
  };
  t.regions.forEach((r, ri) => {
    for (const [i, p] of r.proxies.entries()) claim(`/regions/${ri}/proxies/${i}`, p.id, p.host, p.port, p.adminPort);
    for (const [i, g] of r.gateways.entries()) claim(`/regions/${ri}/gateways/${i}`, g.id, g.host, g.port, g.adminPort);
  });
  t.sets.forEach((s, si) => {
    for (const [i, n] of s.nodes.entries()) claim(`/sets/${si}/nodes/${i}`, n.id, n.host, n.port, n.adminPort);
  });
  return ports;
}

function checkRtt(t: Topology, regions: Set<string>, add: Add): void {
  const pairs = new Set<string>();
  const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  t.rtt.forEach((link, i) => {
    for (const end of ['a', 'b'] as const) {
      if (!regions.has(link[end])) add(`/rtt/${i}/${end}`, `unknown region "${link[end]}"`);
    }
    if (link.a === link.b) add(`/rtt/${i}`, `a link needs two distinct regions, got "${link.a}" twice`);
    const key = pairKey(link.a, link.b);
    if (pairs.has(key)) add(`/rtt/${i}`, `duplicate RTT for ${link.a} ↔ ${link.b}`);
    pairs.add(key);
  });
  const names = [...regions];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i] as string;
      const b = names[j] as string;
      if (!pairs.has(pairKey(a, b))) add('/rtt', `RTT matrix is missing the pair ${a} ↔ ${b}`);
    }
  }
}

function checkPlacements(
  t: Topology,
  sets: Map<string, Topology['sets'][number]>,
  regions: Set<string>,
  add: Add,
): void {
  const covered = new Uint8Array(t.shardCount);
  const placements = t.placements;
  for (let i = 0; i < placements.length; i++) {
    const p = placements[i] as Topology['placements'][number];
    const at = `/placements/${i}`;
    if (p.shard >= t.shardCount) add(`${at}/shard`, `shard ${p.shard} is outside 0..${t.shardCount - 1}`);
    else if (covered[p.shard]) add(`${at}/shard`, `shard ${p.shard} is placed twice`);
    else covered[p.shard] = 1;

    const leaderSet = sets.get(p.leader);
    if (!leaderSet) add(`${at}/leader`, `shard ${p.shard}: leader set "${p.leader}" does not exist`);
    const replicas = p.replicas;
    checkReplicas(p, at, sets, add);
    if (!replicas.includes(p.leader)) add(`${at}/replicas`, `shard ${p.shard}: leader set "${p.leader}" is not among its replicas`);
    if (p.leaderNode !== undefined && leaderSet && !leaderSet.nodes.some((n) => n.id === p.leaderNode)) {
      add(`${at}/leaderNode`, `shard ${p.shard}: node "${p.leaderNode}" is not in leader set "${p.leader}"`);
    }
    const followers = replicas.length - 1;
    if (p.mode === 'sync' && p.minInsync > followers) {
      add(`${at}/minInsync`, `shard ${p.shard}: minInsync ${p.minInsync} exceeds its ${followers} follower(s)`);
    }
    if (p.residency) {
      for (let j = 0; j < p.residency.length; j++) {
        const r = p.residency[j] as string;
        if (!regions.has(r)) add(`${at}/residency/${j}`, `unknown region "${r}"`);
      }
    }
  }
  const missing = missingRanges(covered);
  if (missing.length > 0) add('/placements', `no placement (so no leader) for shard(s) ${missing.join(', ')}`);
}

/** Each replica of one placement: listed once, an existing set, inside the residency. */
function checkReplicas(
  p: Topology['placements'][number],
  at: string,
  sets: Map<string, Topology['sets'][number]>,
  add: Add,
): void {
  // Replica lists are short: a scan of the ones before beats a Set per placement.
  const replicas = p.replicas;
  for (let j = 0; j < replicas.length; j++) {
    const r = replicas[j] as string;
    if (replicas.indexOf(r) < j) add(`${at}/replicas/${j}`, `shard ${p.shard}: set "${r}" holds two replicas`);
    const set = sets.get(r);
    if (!set) add(`${at}/replicas/${j}`, `shard ${p.shard}: replica set "${r}" does not exist`);
    else if (p.residency && !p.residency.includes(set.region)) {
      add(`${at}/replicas/${j}`, `shard ${p.shard}: replica in ${set.region} breaks residency [${p.residency}]`);
    }
  }
}

function missingRanges(covered: Uint8Array): string[] {
  const out: string[] = [];
  let start = -1;
  for (let s = 0; s <= covered.length; s++) {
    const gap = s < covered.length && !covered[s];
    if (gap && start < 0) start = s;
    if (!gap && start >= 0) {
      out.push(start === s - 1 ? `${start}` : `${start}-${s - 1}`);
      start = -1;
    }
  }
  return out;
}

/** [A-Za-z0-9_] */
const isParamChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** True when the `:` at `colon` starts a name (the rest of its segment), which route shapes erase. */
const isErasedName = (path: string, colon: number) => colon + 1 < path.length && path.charCodeAt(colon + 1) !== 47;

/** Where the segment holding the `:` at `colon` ends. */
function segmentEnd(path: string, colon: number): number {
  const end = path.indexOf('/', colon + 1);
  return end === -1 ? path.length : end;
}

/*
 * Two routes collide when method and path match with parameter names
 * ignored: each `:` and the rest of its segment (when there is any) read as
 * a bare `:`, as /:[^/]+/g → ':' would. Hashed and compared in place, with
 * no shape string built per route.
 */

function routeShapeHash(c: CommandDef): number {
  const path = c.path;
  let hash = fnvStep(fnv(c.method), 32);
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    hash = fnvStep(hash, code);
    if (code === 58 && isErasedName(path, i)) i = segmentEnd(path, i) - 1;
  }
  return hash;
}

function sameRouteShape(a: CommandDef, b: CommandDef): boolean {
  if (a.method !== b.method) return false;
  const p = a.path;
  const q = b.path;
  let i = 0;
  let j = 0;
  while (i < p.length && j < q.length) {
    const code = p.charCodeAt(i);
    if (code !== q.charCodeAt(j)) return false;
    i = code === 58 && isErasedName(p, i) ? segmentEnd(p, i) : i + 1;
    j = code === 58 && isErasedName(q, j) ? segmentEnd(q, j) : j + 1;
  }
  return i === p.length && j === q.length;
}

/** Names matched by /:([A-Za-z0-9_]+)/g in `path`, in order (the same scan, without a regex). */
function paramNames(path: string): string[] {
  const names: string[] = [];
  let i = path.indexOf(':');
  while (i !== -1) {
    let j = i + 1;
    while (j < path.length && isParamChar(path.charCodeAt(j))) j++;
    if (j > i + 1) names.push(path.slice(i + 1, j));
    i = path.indexOf(':', j > i + 1 ? j : i + 1);
  }
  return names;
}

/** paramNames(path).includes(name), read in place. */
function hasParam(path: string, name: string): boolean {
  for (let i = path.indexOf(':'); i !== -1; i = path.indexOf(':', i + 1)) {
    let end = i + 1;
    while (end < path.length && isParamChar(path.charCodeAt(end))) end++;
    if (end - i - 1 === name.length && path.startsWith(name, i + 1)) return true;
  }
  return false;
}

function checkCommands(commands: readonly CommandDef[], add: Add): void {
  const at = (i: number) => commands[i] as CommandDef;
  const names = new FirstSeen(
    commands.length,
    (i) => fnv(at(i).name),
    (i, j) => at(i).name === at(j).name,
  );
  const routes = new FirstSeen(
    commands.length,
    (i) => routeShapeHash(at(i)),
    (i, j) => sameRouteShape(at(i), at(j)),
  );
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i] as CommandDef;
    const prior = names.add(i);
    if (prior !== -1) add(`/commands/${i}/name`, `duplicate command "${c.name}" (also /commands/${prior})`);
    const syntax = routePathProblem(c.path);
    if (syntax !== undefined) add(`/commands/${i}/path`, `path ${c.path} cannot be routed: ${syntax}`);
    const priorRoute = routes.add(i);
    if (priorRoute !== -1) add(`/commands/${i}/path`, `route ${c.method} ${c.path} duplicates /commands/${priorRoute}`);
    checkCommand(c, i, add);
  }
}

/** What one command must satisfy on its own: its key and upstream parameters are in its path, a write is a write. */
function checkCommand(c: CommandDef, i: number, add: Add): void {
  if (c.key.from === 'param' && !hasParam(c.path, c.key.name)) {
    add(`/commands/${i}/key/name`, `key parameter ":${c.key.name}" is not in path ${c.path}`);
  }
  if (c.upstream.path.indexOf(':') !== -1) {
    for (const m of paramNames(c.upstream.path)) {
      if (!hasParam(c.path, m)) add(`/commands/${i}/upstream/path`, `upstream parameter ":${m}" is not in path ${c.path}`);
    }
  }
  if (c.kind === 'write' && c.maxStalenessMs > 0) {
    add(`/commands/${i}/maxStalenessMs`, 'a write cannot tolerate staleness');
  }
  if (c.kind === 'write' && (c.method === 'GET' || c.method === 'HEAD')) {
    add(`/commands/${i}/method`, `a write cannot use ${c.method}`);
  }
}
