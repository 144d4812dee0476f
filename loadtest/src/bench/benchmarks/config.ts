import type { AddressInfo } from 'node:net';
import { validateTopology } from '@setgate/config';
import { buildRoutingTable, RoutingTableRef, shardOf } from '@setgate/topology';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Benchmark, BenchSetup } from '../benchmark.js';

const SHARDS = 4096;
const COMMANDS = 10_000;
const REGIONS = ['us-east', 'eu-west', 'ap-south'] as const;
const SETS_PER_REGION = 4;
/** Pause between two reloads under load: each blocks the event loop while it validates and builds. */
const RELOAD_GAP_MS = 100;

/**
 * A synthetic topology of 4,096 shards and 10,000 commands over 3 regions ×
 * 4 sets. `variant` moves every shard's leader one set on (epoch + 1), so two
 * variants really differ for the shard map. `commandsVariant` changes every
 * command's upstream path (the public paths stay, so the load's request keeps
 * matching): two documents with different `commandsVariant` differ in their
 * commands section and the router must be compiled anew; the same
 * `commandsVariant` is a placement-only change.
 */
export function bigTopology(version: number, variant: number, commandsVariant = 0): Record<string, unknown> {
  const sets = REGIONS.flatMap((region, r) =>
    Array.from({ length: SETS_PER_REGION }, (_, s) => ({
      name: `${region}-${String.fromCharCode(97 + s)}`,
      region,
      nodes: [{ id: `${region}-${String.fromCharCode(97 + s)}-1`, host: '127.0.0.1', port: 20000 + r * 100 + s * 2, adminPort: 20001 + r * 100 + s * 2 }],
    })),
  );
  const setOf = (region: number, k: number) => sets[region * SETS_PER_REGION + (k % SETS_PER_REGION)]?.name as string;
  const placements = Array.from({ length: SHARDS }, (_, shard) => {
    const replicas = REGIONS.map((_, r) => setOf(r, shard));
    return { shard, leader: replicas[(shard + variant) % REGIONS.length], replicas, epoch: 1 + variant, mode: 'sync', minInsync: 1 };
  });
  const commands = Array.from({ length: COMMANDS }, (_, i) => {
    const write = i % 2 === 1;
    return {
      name: `c${i}.op`,
      method: write ? 'PUT' : 'GET',
      path: `/v1/c${i}/items/:id`,
      kind: write ? 'write' : 'read',
      key: { from: 'param', name: 'id' },
      priority: 'normal',
      upstream: { method: write ? 'PUT' : 'GET', path: `/cmd/v${commandsVariant}/c${i}/{key}` },
    };
  });
  return {
    version,
    shardCount: SHARDS,
    regions: REGIONS.map((name, r) => ({
      name,
      proxies: [{ id: `${name}-proxy-1`, host: '127.0.0.1', port: 21000 + r * 10, adminPort: 21001 + r * 10 }],
      gateways: [{ id: `${name}-gw-1`, host: '127.0.0.1', port: 21002 + r * 10, adminPort: 21003 + r * 10 }],
    })),
    rtt: [
      { a: 'us-east', b: 'eu-west', ms: 75 },
      { a: 'us-east', b: 'ap-south', ms: 190 },
      { a: 'eu-west', b: 'ap-south', ms: 120 },
    ],
    sets,
    placements,
    commands,
    auth: { issuers: [{ issuer: 'bench', audience: 'bench', algorithms: ['HS256'], keys: [{ alg: 'HS256', secret: { env: 'SETGATE_BENCH_JWT_SECRET' } }] }] },
    replication: {},
  };
}

/** Validate → build → swap once; the three times in ms. */
function reload(ref: RoutingTableRef, doc: Record<string, unknown>) {
  const t0 = performance.now();
  const result = validateTopology(doc);
  const t1 = performance.now();
  if (!result.ok) throw new Error(`synthetic topology refused: ${result.problems.slice(0, 3).map((p) => `${p.path} ${p.message}`).join('; ')}`);
  const table = buildRoutingTable(result.topology);
  const t2 = performance.now();
  ref.swap(table);
  const t3 = performance.now();
  return { validateMs: t1 - t0, buildMs: t2 - t1, swapMs: t3 - t2, totalMs: t3 - t0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** A fastify app that routes every request by the table `ref` holds at its start: 200 with the write-point, 404 unmatched. */
async function routingApp(ref: RoutingTableRef): Promise<{ app: FastifyInstance; url: string; seen: () => number }> {
  let seen = 0;
  const app = Fastify({ logger: false });
  app.all('/*', async (req, reply) => {
    seen += 1;
    const table = ref.current; // taken once: the request finishes on this version
    const m = table.match(req.method, req.url);
    if (!m) return reply.code(404).send({ error: 'no command' });
    const key = m.params.id ?? '';
    const shard = shardOf(key, table.view.shardCount);
    return { version: table.version, command: m.command.def.name, shard, writePoint: table.view.writePoint(shard).id };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, seen: () => seen };
}

/**
 * `config`: hot reload of a 4,096-shard, 10,000-command topology. Reports the
 * time to validate, build and swap (stderr and JSON details), and compares
 * routing under load with no reload (`steady`) against routing while the
 * table is reloaded back to back (`swapping`): any failed request shows as
 * errors / non-2xx. Both apps run in the bench process, so its CPU figure
 * includes autocannon.
 */
export const configBenchmark: Benchmark = {
  name: 'config',
  description: 'validate + build + swap a 4,096-shard / 10,000-command topology; requests failed while swapping under load',
  configurations: [
    { name: 'steady', description: 'GET /v1/c4242/items/:id routed through a RoutingTableRef that never changes' },
    { name: 'swapping', description: 'the same request while the big topology is validated, built and swapped back to back, alternating commands-changed and placement-only reloads' },
  ],
  baseline: 'steady',

  async setup(ctx): Promise<BenchSetup> {
    // Placement-only reloads alternate the leaders and keep the commands (the router is reused);
    // commands-changed reloads alternate the commands section as well (the router is compiled anew).
    const docOf = (n: number, commandsChange: boolean) =>
      bigTopology(n + 1, n % 2, commandsChange ? n % 2 : 0);
    const first = validateTopology(docOf(0, false));
    if (!first.ok) throw new Error(`synthetic topology refused: ${first.problems[0]?.message}`);
    const steadyRef = new RoutingTableRef(buildRoutingTable(first.topology));
    const swapRef = new RoutingTableRef(buildRoutingTable(first.topology));
    const idle = (commandsChange: boolean) => {
      const runs = Array.from({ length: 7 }, (_, i) => reload(new RoutingTableRef(swapRef.current), docOf(i + 1, commandsChange)));
      return {
        validateMs: median(runs.map((c) => c.validateMs)),
        buildMs: median(runs.map((c) => c.buildMs)),
        swapMs: median(runs.map((c) => c.swapMs)),
        totalMs: median(runs.map((c) => c.totalMs)),
        firstMs: runs[0]?.totalMs ?? 0,
      };
    };
    const figures = { commandsChanged: idle(true), placementOnly: idle(false) };
    for (const [label, f] of [
      ['commands changed (router compiled)', figures.commandsChanged],
      ['placement only (router reused)', figures.placementOnly],
    ] as const) {
      ctx.log(
        `config: ${SHARDS} shards, ${COMMANDS} commands, ${label}: validate ${f.validateMs.toFixed(1)} ms + build ${f.buildMs.toFixed(1)} ms + swap ${f.swapMs.toFixed(3)} ms = ${f.totalMs.toFixed(1)} ms (median of 7, idle; first ${f.firstMs.toFixed(1)} ms)`,
      );
    }

    const steady = await routingApp(steadyRef);
    const swapping = await routingApp(swapRef);
    // Reload back to back (a short gap so requests get through), only while the swapping app is under load,
    // so the baseline's runs are not charged for it.
    const underLoad = { commandsChanged: [] as number[], placementOnly: [] as number[] };
    let lastSeen = 0;
    let n = 0;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      const seen = swapping.seen();
      if (seen !== lastSeen) {
        n += 1;
        // Every other reload changes the commands; the ones between only move leaders.
        const commandsChange = n % 2 === 0;
        const doc = bigTopology(n + 100, n % 2, commandsChange ? (n / 2) % 2 : ((n - 1) / 2) % 2);
        (commandsChange ? underLoad.commandsChanged : underLoad.placementOnly).push(reload(swapRef, doc).totalMs);
      }
      lastSeen = swapping.seen();
      timer = setTimeout(tick, RELOAD_GAP_MS);
    };
    timer = setTimeout(tick, RELOAD_GAP_MS);
    const stop = async () => {
      clearTimeout(timer);
      for (const [label, xs] of [
        ['commands changed', underLoad.commandsChanged],
        ['placement only', underLoad.placementOnly],
      ] as const) {
        ctx.log(
          `config: ${xs.length} ${label} reloads under load, validate+build+swap median ${median(xs).toFixed(1)} ms, max ${Math.max(0, ...xs).toFixed(1)} ms`,
        );
      }
      ctx.log('config: failed requests: see errors / non-2xx of "swapping"');
      await Promise.allSettled([steady.app.close(), swapping.app.close()]);
    };
    const request = (url: string) => ({ method: 'GET' as const, url: `${url}/v1/c4242/items/user-42` });
    const self = [{ name: 'bench-process', pid: process.pid }];
    return {
      targets: { steady: { request: request(steady.url), measured: self }, swapping: { request: request(swapping.url), measured: self } },
      details: { shards: SHARDS, commands: COMMANDS, idle: figures, reloadsUnderLoadMs: underLoad },
      stop,
    };
  },
};
