import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultTopologyPath, loadTopologyFile } from '@setgate/config';
import { signDevToken } from '@setgate/launcher';
import { freePorts, nodeArgsFor, type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { TopologyView } from '@setgate/topology';
import { type Benchmark, type BenchSetup, type ConfigurationSummaryLike, goal, type GoalCheck } from '../benchmark.js';
import { spawnReady, stopChild } from '../child.js';
import { expect2xx, sendOnce } from '../preflight.js';
import { type BenchStack, startBenchStack } from '../stack.js';
import { InFlightHolders } from './in-flight-holders.js';
import { firstRegionGateway, keyLedInRegion, keysWhere, oneGatewayWithRedis, type PlacedKey } from './key-placement.js';

const BARE_REFUSAL = fileURLToPath(import.meta.resolve('@setgate/gateway/bench/bare-refusal'));

/** How many times the served row's connections the overload row opens. */
export const OVERLOAD_FACTOR = 20;
const READ_PATH = '/v1/profile';
/** A critical write: admitted up to the hard cap, so it can hold the shed stack's in-flight count. */
const HOLD_PATH = '/v1/cart/items';
/** Uploads held on the shed stack: with `maxInFlight` 1, a load of 3–4, past every ramp but critical's. */
const HOLDERS = 4;
/** How long setup waits for a state (a gateway shedding, a limit exhausted): generous for a busy machine. */
const STATE_DEADLINE_MS = 60_000;

type Doc = Record<string, unknown>;
type GatewayDoc = { rateLimit?: Record<string, unknown>; admission?: Record<string, unknown> };

function gatewayOf(doc: Doc): GatewayDoc {
  doc.gateway ??= {};
  return doc.gateway as GatewayDoc;
}

/**
 * Refusal pacing off (limits.refusalPauseMs 0): the refusal rows price one refusal, so
 * every connection must be read again at once instead of waiting out its Retry-After.
 */
function unpaced(doc: Doc): void {
  doc.limits = { ...(doc.limits as Record<string, unknown> | undefined), refusalPauseMs: 0 };
}

/** Rows and processes of one stack: its gateway process and the redis-server its limiter syncs with. */
interface StackRows {
  readonly stack: BenchStack;
  readonly redis: RedisServer;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + STATE_DEADLINE_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${STATE_DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `overload`: what refusing costs, and what a gateway delivers when far more
 * clients ask than it can serve. Every row reads a profile (priority high)
 * through one gateway process with the Redis-backed limiter, one user per
 * connection, charged the CPU of the gateway and its redis-server (the node
 * behind is not the gateway's cost):
 * (a) `served`: `--connections` users, every answer a 200 (the baseline);
 * (b) `rate-limited`: on a side stack whose `reads` class allows 1 per
 * hour, every answer a 429;
 * (c) `shed`: on a side stack with `admission.maxInFlight` 1 held past
 * every ramp by slow critical uploads (in-flight-holders.ts), every answer
 * a 503; (b) and (c) run with refusal pacing off, so each connection asks
 * again at once and a refusal's own cost is what is measured;
 * (d) `overload-20x`: the served stack, as shipped (refusal pacing on), with
 * 20 × `--connections` users at once, each retrying at once whatever
 * Retry-After says; latency over 2xx answers only, what admitted requests saw
 * (a request sent on a paced connection waits in its socket, and that wait
 * is in its latency);
 * (e) `bare-refusal`: the floor, a bare node:http server answering the same
 * 503 (gateway/bench/bare-refusal.ts): Node's parsing and the socket write,
 * which no refusal avoids.
 * Goals (issue 16): a refusal costs ≤ 15% of a served request; at 20×
 * the connections, goodput ≥ 90% of the served row's and the admitted p99
 * ≤ 2× its p99.
 */
export const overloadBenchmark: Benchmark = {
  name: 'overload',
  description: 'what a shed or rate-limited request costs against a served one, and goodput and admitted p99 at 20× the connections',
  configurations: [
    { name: 'served', description: 'GET /v1/profile through the gateway, one user per connection, every answer 200' },
    {
      name: 'rate-limited',
      description: 'the same on a side stack whose reads class allows 1 request per hour: every answer 429 (refusal pacing off)',
    },
    {
      name: 'shed',
      description: 'the same on a side stack with admission.maxInFlight 1, held past every ramp by slow critical uploads: every answer 503 (refusal pacing off)',
    },
    {
      name: `overload-${OVERLOAD_FACTOR}x`,
      description: `the served stack with ${OVERLOAD_FACTOR}× the connections (one user each); latency over 2xx answers only`,
    },
    {
      name: 'bare-refusal',
      description: 'the floor: a bare node:http server answering every request with the same 503 problem+json, nothing else',
    },
  ],
  baseline: 'served',

  async setup(ctx): Promise<BenchSetup> {
    const source = new TopologyView(loadTopologyFile(defaultTopologyPath()));
    const { region, gatewayId } = firstRegionGateway(source);
    const crowd = ctx.connections * OVERLOAD_FACTOR;
    // Users whose shards the one started node leads: the first key's write-point, then every key it leads.
    const nodeId = keyLedInRegion(source, region).writePoint.id;
    const [holder, ...users] = keysWhere(source, 'bench-user-', (k) => k.writePoint.id === nodeId, crowd + 1, `whose write-point is ${nodeId}`);
    if (!holder) throw new Error('no key for the holders');
    ctx.log(`overload: region ${region}, ${gatewayId} and ${nodeId}, ${users.length} users, ${OVERLOAD_FACTOR}× = ${crowd} connections`);

    const started: StackRows[] = [];
    const holders: InFlightHolders[] = [];
    let bare: ChildProcess | undefined;
    const stopAll = async () => {
      await stopChild(bare);
      for (const h of holders.splice(0)) h.stop();
      for (const s of started.splice(0)) {
        await s.stack.stop();
        await s.redis.kill();
      }
    };
    const startRows = async (edit: (doc: Doc) => void): Promise<StackRows> => {
      const redis = await startRedisServer();
      try {
        const stack = await startBenchStack({
          edit: (doc) => {
            oneGatewayWithRedis(region, gatewayId, `redis://127.0.0.1:${redis.port}`)(doc);
            edit(doc);
          },
          only: (i) => i.id === gatewayId || i.id === nodeId,
        });
        const rows = { stack, redis };
        started.push(rows);
        return rows;
      } catch (err) {
        await redis.kill();
        throw err;
      }
    };
    try {
      const main = await startRows(() => {});
      const limited = await startRows((doc) => {
        unpaced(doc);
        const gw = gatewayOf(doc);
        const classes = (gw.rateLimit?.classes ?? []) as Array<{ name: string }>;
        gw.rateLimit = { ...gw.rateLimit, classes: classes.map((c) => (c.name === 'reads' ? { ...c, max: 1, windowMs: 3_600_000 } : c)) };
      });
      const shedding = await startRows((doc) => {
        unpaced(doc);
        const gw = gatewayOf(doc);
        gw.admission = { ...gw.admission, maxInFlight: 1, criticalHardCap: HOLDERS * 4 };
      });
      const tokensFor = async (rows: StackRows, keys: readonly PlacedKey[]) =>
        Promise.all(keys.map(async (k) => ({ authorization: `Bearer ${await signDevToken(rows.stack.stack.topology, { sub: k.key })}` })));
      const url = (rows: StackRows) => `${rows.stack.stack.url(gatewayId)}${READ_PATH}`;

      const mainHeaders = await tokensFor(main, users);
      ctx.log(`overload: seeding ${users.length} profiles`);
      for (const headers of mainHeaders) {
        await expect2xx('seeding a profile', {
          method: 'PUT',
          url: url(main),
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ displayName: 'Bench User' }),
        });
      }
      const servedHeaders = mainHeaders.slice(0, ctx.connections);

      // The limited users spend their one request of the hour (a 404: they have no profile).
      const limitedHeaders = await tokensFor(limited, users.slice(0, ctx.connections));
      for (const headers of limitedHeaders) {
        await until('a user rate-limited', async () => ((await sendOnce({ method: 'GET', url: url(limited), headers })).statusCode === 429 ? true : undefined));
      }

      const shedHeaders = await tokensFor(shedding, users.slice(0, ctx.connections));
      const [holderHeaders] = await tokensFor(shedding, [holder]);
      holders.push(
        new InFlightHolders({
          url: `${shedding.stack.stack.url(gatewayId)}${HOLD_PATH}`,
          method: 'POST',
          headers: { ...holderHeaders },
          count: HOLDERS,
          chunkBytes: 256,
          tickMs: 100,
          lifetimeMs: 5000,
          staggerMs: 1000,
        }),
      );
      await until('the shed stack shedding', async () =>
        (await sendOnce({ method: 'GET', url: url(shedding), headers: shedHeaders[0] ?? {} })).statusCode === 503 ? true : undefined,
      );

      const barePort = (await freePorts(1))[0] as number;
      bare = await spawnReady(process.execPath, [...nodeArgsFor(BARE_REFUSAL), BARE_REFUSAL, '--port', String(barePort)], /ready/, 'bare-refusal');
      const measured = (rows: StackRows) => [
        { name: 'gateway', pid: rows.stack.pidOf(gatewayId) },
        { name: 'redis-server', pid: rows.redis.pid },
      ];
      const held = holders[0] as InFlightHolders;
      return {
        targets: {
          served: { request: { method: 'GET', url: url(main), connectionHeaders: servedHeaders }, measured: measured(main), latencyOf: 'ok' },
          'rate-limited': {
            request: { method: 'GET', url: url(limited), connectionHeaders: limitedHeaders },
            measured: measured(limited),
            expectStatus: 429,
          },
          shed: { request: { method: 'GET', url: url(shedding), connectionHeaders: shedHeaders }, measured: measured(shedding), expectStatus: 503 },
          [`overload-${OVERLOAD_FACTOR}x`]: {
            request: { method: 'GET', url: url(main), connectionHeaders: mainHeaders },
            measured: measured(main),
            connections: crowd,
            latencyOf: 'ok',
          },
          'bare-refusal': {
            request: { method: 'GET', url: `http://127.0.0.1:${barePort}${READ_PATH}`, connectionHeaders: shedHeaders },
            measured: [{ name: 'bare-refusal', pid: bare.pid as number }],
            expectStatus: 503,
          },
        },
        details: { region, gateway: gatewayId, node: nodeId, users: users.length, overloadFactor: OVERLOAD_FACTOR, holders: HOLDERS },
        stop: async () => {
          ctx.log(`overload: ${held.holding} uploads were held at the end`);
          await stopAll();
        },
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },

  goals(rows: readonly ConfigurationSummaryLike[]): GoalCheck[] {
    const row = (name: string) => rows.find((r) => r.name === name)?.figures;
    const served = row('served');
    const over = row(`overload-${OVERLOAD_FACTOR}x`);
    const cpuRatio = (name: string) => {
      const f = row(name);
      return f?.cpuUsPerRequest != null && served?.cpuUsPerRequest ? f.cpuUsPerRequest / served.cpuUsPerRequest : null;
    };
    return [
      goal('shed: CPU µs/req ÷ served', cpuRatio('shed'), 'at-most', 0.15),
      goal('rate-limited: CPU µs/req ÷ served', cpuRatio('rate-limited'), 'at-most', 0.15),
      goal(`goodput at ${OVERLOAD_FACTOR}× the connections ÷ served`, over && served?.okPerSec ? over.okPerSec / served.okPerSec : null, 'at-least', 0.9),
      goal(`admitted p99 at ${OVERLOAD_FACTOR}× ÷ served p99`, over && served?.p99Ms ? over.p99Ms / served.p99Ms : null, 'at-most', 2),
    ];
  },
};
