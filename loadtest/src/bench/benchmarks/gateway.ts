import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { signDevToken } from '@setgate/launcher';
import { freePorts, nodeArgsFor, type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import { type Benchmark, type BenchSetup, type ConfigurationSummaryLike, type GoalCheck, goal, type MeasuredProcess } from '../benchmark.js';
import { spawnReady, stopChild } from '../child.js';
import { HOP_CHECK_PAIRS_IN_BENCH, hopCheckGoal, runHopCheck } from '../hop-check/hop-check-probe.js';
import { pairedCpuDifference } from '../paired.js';
import { expect2xx } from '../preflight.js';
import { OBSERVABILITY_PAIRS_IN_BENCH, observabilityGoal, observabilityRowGoal, runObservabilityProbe } from '../observability/observability-probe.js';
import { NO_OBSERVABILITY, TRACED_RATIO, TRACED_SAMPLER, tracedEnv } from '../observability/settings.js';
import { type OtlpSink, startOtlpSink } from '../otlp-sink.js';
import { type BenchStack, startBenchStack } from '../stack.js';
import { assertedHeaders } from './asserted-headers.js';
import { firstRegionGateway, keyLedInRegion, oneGatewayWithRedis } from './key-placement.js';

const BARE_FORWARD = fileURLToPath(import.meta.resolve('@setgate/gateway/bench/bare-forward'));
const READ_PATH = '/v1/profile';

async function freePort(): Promise<number> {
  return (await freePorts(1))[0] as number;
}

/** The gateway process of a bench stack, and each of its workers when it runs several. */
async function gatewayProcessesOf(bench: BenchStack, gatewayId: string): Promise<MeasuredProcess[]> {
  const primary = { name: 'gateway', pid: bench.pidOf(gatewayId) };
  const instance = bench.stack.view.instance(gatewayId);
  if (!instance) throw new Error(`${gatewayId} is not in the bench topology`);
  const res = await fetch(`http://${instance.host}:${instance.adminPort}/status`);
  const status = (await res.json()) as { workers?: Array<{ worker: number; pid: number }> };
  return [primary, ...(status.workers ?? []).map((w) => ({ name: `gateway-worker-${w.worker}`, pid: w.pid }))];
}

/**
 * `gateway`: what the business gateway's pipeline costs on a profile read.
 * (a) `bare-forward`: plain fastify + undici forward to the node, body
 * streamed (the baseline); (a') `bare-buffered`: the same with the small body
 * read whole first, as the gateway's forward does, so the pipeline's own cost
 * shows against a like-for-like forward;
 * (b) `gateway`: the full pipeline (hygiene, match, auth with a cached JWT,
 * the Redis-backed batched limiter, admission, routing, forward, response
 * headers), redis-server's CPU included; (c) `direct`: the node alone;
 * (d) the gateway row again on side stacks of their own (gateway, node and
 * redis each), each run right after it: without a hop secret, with
 * observability off (observability/settings.ts), exporting sampled spans, and (with
 * `--workers N`) with the gateway running N workers.
 * Goals, each compared round by round (paired.ts): observability (metrics and
 * sampled tracing, traced vs off, and priced in two processes by the observability
 * probe) ≤ 10% of a request's CPU; authenticating the gateway → node hop
 * ≤ 5 µs a request. `--only gateway-traced,gateway-no-observability --rounds
 * 25 --duration 2` narrows the first where the full table cannot.
 */
export const gatewayBenchmark: Benchmark = {
  name: 'gateway',
  description: 'a profile read through the full gateway pipeline vs a bare fastify+undici forward vs the node direct',
  configurations: [
    { name: 'bare-forward', description: 'GET through plain fastify + undici dispatcher.request to the write-point node, body streamed (no pipeline)' },
    { name: 'bare-buffered', description: 'the same bare forward, reading the small body whole before replying as the gateway does (no pipeline)' },
    { name: 'gateway', description: 'GET /v1/profile with a cached dev JWT through one gateway process, rate limits synced to Redis in batches' },
    {
      name: 'gateway-no-hop-auth',
      description: 'the gateway row on a second stack run without a hop secret (its own gateway, node and redis), run right after it: the difference is what authenticating the gateway → node hop costs',
    },
    {
      name: 'gateway-no-observability',
      description: 'the gateway row on a third stack with OTEL_SDK_DISABLED=true (no metrics, no span recording; access lines on, as in every row): against gateway-traced, what metrics and tracing cost',
    },
    {
      name: 'gateway-traced',
      description: `the gateway row on a fourth stack exporting spans over OTLP to a local sink, sampled ${TRACED_SAMPLER} ${TRACED_RATIO}: what tracing adds`,
    },
    {
      name: 'gateway-workers',
      description:
        'with --workers N (N ≥ 2): the gateway row on a side stack whose gateway runs N workers (SETGATE_WORKERS=N), charged the CPU of its primary and every worker: against `gateway` (one process), what more cores buy',
      optional: true,
    },
    { name: 'direct', description: 'GET /cmd/profile/<key> straight to the write-point node with the headers the gateway asserts' },
  ],
  baseline: 'bare-forward',

  goals(rows: readonly ConfigurationSummaryLike[], details): GoalCheck[] {
    const has = (row: string) => rows.some((r) => r.name === row);
    return [
      ...observabilityRowGoal(rows, 'gateway-traced', 'gateway-no-observability'),
      ...observabilityGoal(rows, details, 'gateway', 'gateway-no-observability'),
      ...(has('gateway-no-hop-auth')
        ? [goal('hop auth: gateway − gateway-no-hop-auth, CPU µs/req, median of per-round differences', pairedCpuDifference(rows, { row: 'gateway' }, { row: 'gateway-no-hop-auth' }), 'at-most', 5, 'us')]
        : []),
      ...hopCheckGoal(details, 'gateway', "hop auth, the gateway's check of a proxy"),
    ];
  },

  async setup(ctx): Promise<BenchSetup> {
    const source = new TopologyView(loadTopologyFile(defaultTopologyPath()));
    const { region, gatewayId } = firstRegionGateway(source);
    const placed = keyLedInRegion(source, region);
    const nodeId = placed.writePoint.id;

    let redis: RedisServer | undefined;
    let bare: ChildProcess | undefined;
    let bareBuffered: ChildProcess | undefined;
    let sink: OtlpSink | undefined;
    /** The rows on stacks of their own (gateway, node and redis each), beside the main one. */
    const sides: Array<{ row: string; stack: BenchStack; redis: RedisServer }> = [];
    redis = await startRedisServer();
    const redisPort = redis.port;
    ctx.log(`gateway: region ${region}, key ${placed.key} (shard ${placed.shard}), starting ${gatewayId}, ${nodeId}, redis on ${redisPort}`);
    let bench: BenchStack | undefined;
    const stackFor = (redisPort: number, hopAuth: boolean, env?: Record<string, string>) =>
      startBenchStack({
        hopAuth,
        ...(env ? { env } : {}),
        edit: oneGatewayWithRedis(region, gatewayId, `redis://127.0.0.1:${redisPort}`),
        only: (i) => i.id === gatewayId || i.id === nodeId,
      });
    const side = async (row: string, hopAuth: boolean, env?: Record<string, string>) => {
      const r = await startRedisServer();
      try {
        sides.push({ row, stack: await stackFor(r.port, hopAuth, env), redis: r });
      } catch (err) {
        await r.kill();
        throw err;
      }
    };
    const stopSides = async () => {
      for (const s of sides.splice(0)) {
        await s.stack.stop();
        await s.redis.kill();
      }
    };
    try {
      bench = await stackFor(redisPort, true);
      await side('gateway-no-hop-auth', false);
      await side('gateway-no-observability', true, NO_OBSERVABILITY);
      sink = await startOtlpSink();
      await side('gateway-traced', true, tracedEnv(sink.url));
      // The checks alone, side by side in a process of their own: what the rows above cannot resolve.
      ctx.log(`gateway: pricing the hop checks in one process (${HOP_CHECK_PAIRS_IN_BENCH} pairs)`);
      const hopCheck = await runHopCheck(HOP_CHECK_PAIRS_IN_BENCH, ctx.signal);
      // Metrics and tracing alone, in two processes taking turns (observability-probe.ts): what the rows cannot resolve.
      ctx.log(`gateway: pricing metrics and tracing, two processes taking turns (${OBSERVABILITY_PAIRS_IN_BENCH} pairs)`);
      const observability = await runObservabilityProbe(OBSERVABILITY_PAIRS_IN_BENCH, ctx.signal, ['gateway']);
      const workers = ctx.workers ?? 1;
      if (workers >= 2) await side('gateway-workers', true, { SETGATE_WORKERS: String(workers) });
      // A side stack's gateway, its workers too when it runs several (their PIDs from its /status).
      const gatewayProcesses = new Map<string, MeasuredProcess[]>();
      for (const s of sides) gatewayProcesses.set(s.row, await gatewayProcessesOf(s.stack, gatewayId));
      const { stack } = bench;
      const read = stack.topology.commands.find((c) => c.method === 'GET' && c.path === READ_PATH);
      if (!read) throw new Error(`the topology has no command for GET ${READ_PATH}`);
      const token = await signDevToken(stack.topology, { sub: placed.key });
      const auth = { authorization: `Bearer ${token}` };
      const gatewayUrl = stack.url(gatewayId);
      const nodeUrl = stack.url(nodeId);
      for (const url of [gatewayUrl, ...sides.map((s) => s.stack.stack.url(gatewayId))]) {
        await expect2xx('seeding the profile', {
          method: 'PUT',
          url: `${url}${READ_PATH}`,
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'Bench User' }),
        });
      }
      const upstreamPath = read.upstream.path.replace('{key}', encodeURIComponent(placed.key));
      const asserted = { ...assertedHeaders(stack, placed, read.name), ...bench.nodeAuth };
      const bareArgs = [...nodeArgsFor(BARE_FORWARD), BARE_FORWARD, '--upstream', nodeUrl, '--path', upstreamPath, '--headers', JSON.stringify(asserted)];
      const barePort = await freePort();
      bare = await spawnReady(process.execPath, [...bareArgs, '--port', String(barePort)], /ready/, 'bare-forward');
      const bufferedPort = await freePort();
      bareBuffered = await spawnReady(process.execPath, [...bareArgs, '--port', String(bufferedPort), '--buffered'], /ready/, 'bare-buffered');
      const node = { name: 'set-runtime', pid: bench.pidOf(nodeId) };
      const started = bench;
      const startedSink = sink;
      return {
        targets: {
          'bare-forward': {
            request: { method: 'GET', url: `http://127.0.0.1:${barePort}${READ_PATH}` },
            measured: [{ name: 'bare-forward', pid: bare.pid as number }, node],
          },
          'bare-buffered': {
            request: { method: 'GET', url: `http://127.0.0.1:${bufferedPort}${READ_PATH}` },
            measured: [{ name: 'bare-buffered', pid: bareBuffered.pid as number }, node],
          },
          gateway: {
            request: { method: 'GET', url: `${gatewayUrl}${READ_PATH}`, headers: auth },
            measured: [{ name: 'gateway', pid: bench.pidOf(gatewayId) }, node, { name: 'redis-server', pid: redis.pid }],
          },
          direct: { request: { method: 'GET', url: `${nodeUrl}${upstreamPath}`, headers: asserted }, measured: [node] },
          ...Object.fromEntries(
            sides.map((s) => [
              s.row,
              {
                request: { method: 'GET', url: `${s.stack.stack.url(gatewayId)}${READ_PATH}`, headers: auth },
                measured: [
                  ...(gatewayProcesses.get(s.row) ?? []),
                  { name: 'set-runtime', pid: s.stack.pidOf(nodeId) },
                  { name: 'redis-server', pid: s.redis.pid },
                ],
              },
            ]),
          ),
        },
        details: { region, key: placed.key, shard: placed.shard, command: read.name, gateway: gatewayId, node: nodeId, redisPort, hopCheck: hopCheck.checks, observability: observability.subjects },
        stop: async () => {
          ctx.log(`gateway: the OTLP sink received ${JSON.stringify(startedSink.received())}`);
          await stopChild(bare);
          await stopChild(bareBuffered);
          await started.stop();
          await stopSides();
          await redis?.kill();
          await startedSink.close();
        },
      };
    } catch (err) {
      await stopChild(bare);
      await stopChild(bareBuffered);
      await bench?.stop();
      await stopSides();
      await redis?.kill();
      await sink?.close();
      redis = undefined;
      throw err;
    }
  },
};
