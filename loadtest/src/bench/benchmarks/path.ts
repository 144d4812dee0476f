import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { signDevToken } from '@setgate/launcher';
import { type CommandView, TopologyView } from '@setgate/topology';
import { type Benchmark, type BenchSetup, type ConfigurationSummaryLike, type GoalCheck, goal, type LoadMethod } from '../benchmark.js';
import { HOP_CHECK_PAIRS_IN_BENCH, hopCheckGoal, runHopCheck } from '../hop-check/hop-check-probe.js';
import { pairedCpuDifference } from '../paired.js';
import { expect2xx } from '../preflight.js';
import { OBSERVABILITY_PAIRS_IN_BENCH, observabilityGoal, observabilityRowGoal, runObservabilityProbe } from '../observability/observability-probe.js';
import { NO_OBSERVABILITY, TRACED_RATIO, TRACED_SAMPLER, tracedEnv } from '../observability/settings.js';
import { type OtlpSink, startOtlpSink } from '../otlp-sink.js';
import { startBenchStack } from '../stack.js';
import { assertedHeaders } from './asserted-headers.js';
import { firstRegionPath, keepOneGatewayIn } from './key-placement.js';

/** The client route read under load, and the write that seeds it. */
const READ = { method: 'GET', path: '/v1/profile' } as const;
const SEED = { method: 'PUT', path: '/v1/profile', body: { displayName: 'Bench User' } } as const;

function commandFor(commands: readonly CommandView[], method: string, path: string): CommandView {
  const c = commands.find((x) => x.method === method && x.path === path);
  if (!c) throw new Error(`the topology has no command for ${method} ${path}`);
  return c;
}

/**
 * Keeps one gateway in `region`, so every proxied request takes the same hops
 * and none is sent to an instance not started. Shards become async: only the
 * write-point runs, and a sync shard would (rightly) refuse the seed write
 * without its in-sync follower. This benchmark measures the hops, not
 * replication (that is `npm run bench -- replication`).
 */
function keepOneGateway(region: string, gatewayId: string) {
  return (doc: Record<string, unknown>) => {
    keepOneGatewayIn(doc, region, gatewayId);
    for (const p of doc.placements as Array<{ mode: string }>) p.mode = 'async';
  };
}

/**
 * `path`: what the access layer and gateway add to a read. The same profile
 * read goes through one region's regional-proxy and gateway to the key's
 * write-point node (`full-path`), or straight to that node with the headers
 * the gateway would send (`direct`, the baseline).
 * Goals, each compared round by round (paired.ts) where its rows ran:
 * observability (metrics and sampled tracing, traced vs off, and priced in two
 * processes by the observability probe) ≤ 10% of the path's CPU; hop authentication ≤ 5 µs a request
 * per hop (the two hops of the path; the node's check on its own, direct).
 */
export const pathBenchmark: Benchmark = {
  name: 'path',
  description: 'a profile read through regional-proxy → gateway → set-runtime node, against the node direct',
  configurations: [
    {
      name: 'direct',
      description: 'GET /cmd/profile/<key> straight to the write-point node, with the headers the gateway asserts (key, shard, epoch, subject, command, config version)',
    },
    {
      name: 'direct-no-hop-auth',
      optional: true,
      description: 'direct, on a second stack run without a hop secret: the difference is what checking the hop secret costs the node',
    },
    { name: 'full-path', description: 'GET /v1/profile with a dev token through one regional proxy and one gateway' },
    {
      name: 'full-path-no-hop-auth',
      optional: true,
      description: 'full-path on the second stack (no hop secret): the difference is what authenticating both hops (proxy → gateway, gateway → node) costs',
    },
    {
      name: 'full-path-no-observability',
      optional: true,
      description: 'full-path on a third stack with OTEL_SDK_DISABLED=true (no metrics, no span recording; access lines on, as in every row): against full-path-traced, what metrics and tracing cost',
    },
    {
      name: 'full-path-traced',
      optional: true,
      description: `full-path on a fourth stack exporting spans over OTLP to a local sink, sampled ${TRACED_SAMPLER} ${TRACED_RATIO} (the documented production setting): what tracing adds`,
    },
  ],
  baseline: 'direct',

  goals(rows: readonly ConfigurationSummaryLike[], details): GoalCheck[] {
    const has = (row: string) => rows.some((r) => r.name === row);
    const bothHops = pairedCpuDifference(rows, { row: 'full-path' }, { row: 'full-path-no-hop-auth' });
    return [
      ...observabilityRowGoal(rows, 'full-path-traced', 'full-path-no-observability'),
      ...observabilityGoal(rows, details, 'path', 'full-path-no-observability'),
      ...(has('full-path-no-hop-auth')
        ? [goal('hop auth per hop: (full-path − full-path-no-hop-auth) ÷ 2 hops, CPU µs/req, median of per-round differences', bothHops === null ? null : bothHops / 2, 'at-most', 5, 'us')]
        : []),
      ...(has('direct-no-hop-auth')
        ? [goal("hop auth at the node: direct − direct-no-hop-auth, the node's CPU µs/req, median of per-round differences", pairedCpuDifference(rows, { row: 'direct' }, { row: 'direct-no-hop-auth' }), 'at-most', 5, 'us')]
        : []),
      ...hopCheckGoal(details, 'gateway', "hop auth, proxy → gateway: the gateway's check"),
      ...hopCheckGoal(details, 'node', "hop auth, gateway → node: the node's check"),
    ];
  },

  async setup(ctx): Promise<BenchSetup> {
    // Each row runs right after its pair (A A' B B'), so drift on a busy machine hits both alike.
    // Pick region, instances and key from the source topology; rebinding changes ports only.
    const source = new TopologyView(loadTopologyFile(defaultTopologyPath()));
    const { region, proxyId, gatewayId, placed, started } = firstRegionPath(source);
    const nodeId = placed.writePoint.id;

    ctx.log(`path: region ${region}, key ${placed.key} (shard ${placed.shard}), starting ${[...started].join(', ')}`);
    const stackFor = (hopAuth: boolean, env?: Record<string, string>) =>
      startBenchStack({ edit: keepOneGateway(region, gatewayId), only: (i) => started.has(i.id), hopAuth, ...(env ? { env } : {}), ...(ctx.wan ? { wan: true } : {}) });
    const bench = await stackFor(true);
    let benchOff: Awaited<ReturnType<typeof stackFor>> | undefined;
    let benchQuiet: Awaited<ReturnType<typeof stackFor>> | undefined;
    let benchTraced: Awaited<ReturnType<typeof stackFor>> | undefined;
    let sink: OtlpSink | undefined;
    const stopAll = async () => {
      await bench.stop();
      for (const b of [benchOff, benchQuiet, benchTraced]) await b?.stop();
      await sink?.close();
    };
    try {
      // WAN emulation needs the hop secret (its admin endpoint takes it): no side-by-side rows then.
      benchOff = ctx.wan ? undefined : await stackFor(false);
      benchQuiet = ctx.wan ? undefined : await stackFor(true, NO_OBSERVABILITY);
      sink = ctx.wan ? undefined : await startOtlpSink();
      benchTraced = sink ? await stackFor(true, tracedEnv(sink.url)) : undefined;
      // The checks alone, side by side in a process of their own: what the rows above cannot resolve.
      ctx.log(`path: pricing the hop checks in one process (${HOP_CHECK_PAIRS_IN_BENCH} pairs)`);
      const hopCheck = await runHopCheck(HOP_CHECK_PAIRS_IN_BENCH, ctx.signal);
      // Metrics and tracing alone, in two processes taking turns (observability-probe.ts): what the rows cannot resolve.
      if (!ctx.wan) ctx.log(`path: pricing metrics and tracing, two processes taking turns (${OBSERVABILITY_PAIRS_IN_BENCH} pairs)`);
      const observability = ctx.wan ? undefined : await runObservabilityProbe(OBSERVABILITY_PAIRS_IN_BENCH, ctx.signal, ['path']);
      const { stack } = bench;
      const read = commandFor(stack.topology.commands, READ.method, READ.path);
      commandFor(stack.topology.commands, SEED.method, SEED.path);
      const token = await signDevToken(stack.topology, { sub: placed.key });
      const proxyUrl = stack.url(proxyId);
      const nodeUrl = stack.url(nodeId);
      const auth = { authorization: `Bearer ${token}` };

      for (const b of [bench, benchOff, benchQuiet, benchTraced].filter((x) => x !== undefined)) {
        await expect2xx('seeding the profile', {
          method: SEED.method,
          url: `${b.stack.url(proxyId)}${SEED.path}`,
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(SEED.body),
        });
      }

      const upstreamPath = read.upstream.path.replace('{key}', encodeURIComponent(placed.key));
      const asserted = assertedHeaders(stack, placed, read.name);
      const rows = (b: typeof bench) => {
        const node = { name: 'set-runtime', pid: b.pidOf(nodeId) };
        return {
          direct: {
            request: { method: read.upstream.method as LoadMethod, url: `${b.stack.url(nodeId)}${upstreamPath}`, headers: { ...asserted, ...b.nodeAuth } },
            measured: [node],
          },
          'full-path': {
            request: { method: READ.method, url: `${b.stack.url(proxyId)}${READ.path}`, headers: auth },
            measured: [{ name: 'regional-proxy', pid: b.pidOf(proxyId) }, { name: 'gateway', pid: b.pidOf(gatewayId) }, node],
          },
        };
      };
      const on = rows(bench);
      const off = benchOff ? rows(benchOff) : undefined;
      const quiet = benchQuiet ? rows(benchQuiet) : undefined;
      const traced = benchTraced ? rows(benchTraced) : undefined;
      return {
        targets: {
          ...on,
          ...(off ? { 'direct-no-hop-auth': off.direct, 'full-path-no-hop-auth': off['full-path'] } : {}),
          ...(quiet ? { 'full-path-no-observability': quiet['full-path'] } : {}),
          ...(traced ? { 'full-path-traced': traced['full-path'] } : {}),
        },
        details: {
          region,
          key: placed.key,
          shard: placed.shard,
          command: read.name,
          instances: { regionalProxy: proxyId, gateway: gatewayId, node: nodeId },
          urls: { regionalProxy: proxyUrl, node: nodeUrl },
          configVersion: stack.topology.version,
          observabilityOff: NO_OBSERVABILITY,
          traced: { sampler: TRACED_SAMPLER, ratio: TRACED_RATIO, exportsReceivedAtSetup: sink?.received() },
          hopCheck: hopCheck.checks,
          ...(observability ? { observability: observability.subjects } : {}),
        },
        stop: async () => {
          // No sink when the traced row is left out (--wan).
          if (sink) ctx.log(`path: the OTLP sink received ${JSON.stringify(sink.received())}`);
          await stopAll();
        },
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};
