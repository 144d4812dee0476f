import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { shardOf, TopologyView } from '@setgate/topology';
import { Agent, request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';

/**
 * The issue's must-show on real processes: Redis killed under load, no request
 * hangs, limits keep applying locally, shared limits resume when Redis returns.
 * Two us-east gateways share a redis-server of the test's own; one node (the
 * write-point of every subject used) serves `GET /v1/cart` (class `reads`,
 * priority critical: admission never sheds it, so every refusal is the rate
 * limit's).
 */

/** The `reads` limit per subject and window; each of the two gateways enforces LIMIT ÷ 2 while Redis is down. */
const LIMIT = 20;
const WINDOW_MS = 2000;
const SYNC_MS = 100;
const GATEWAYS = 2;
const LOCAL_SHARE = LIMIT / GATEWAYS;
/**
 * Hot load: one subject, one request every HOT_INTERVAL_MS through each gateway,
 * none within HOT_GUARD_MS of a window boundary: 18 offered per gateway per
 * window, nearly twice its local share, and 36 in the region, nearly twice the
 * shared limit. So every window fills in both modes.
 */
const HOT_INTERVAL_MS = 100;
/**
 * The gateway counts a request in the window of its arrival, which the test only
 * knows lies between sending and the answer. Keeping the hot load off the
 * boundaries keeps nearly every request wholly inside one window; the few that
 * still straddle one (a stalled process) are counted as "either", never guessed.
 */
const HOT_GUARD_MS = 100;
/**
 * Accuracy of the batched shared limiter (gateway/src/stages/rate-limit/limiter.ts):
 * a gateway learns the other's counts up to about two sync intervals plus a
 * Redis round trip late, so a window can go over the limit by what the other
 * gateway admits meanwhile: ≈ 10 req/s × 0.2 s ≈ 2 per gateway here. The bound
 * leaves room for a loaded 2-core machine and stays well under 2 × LIMIT, what
 * two gateways counting alone would admit.
 */
const SHARED_OVERSHOOT = LIMIT / 2;
/** Background load: other subjects (each far under its limit) through both gateways. */
const BACKGROUND_WORKERS_PER_GATEWAY = 2;
const BACKGROUND_INTERVAL_MS = 25;
const BACKGROUND_SUBJECTS = 100;
/** A request that takes longer than this is a hang, not a slow answer. */
const REQUEST_BOUND_MS = 5000;
/** Hard cap on the load, whatever happens. */
const MAX_REQUESTS = 25_000;
/** Every wait for a mode change is bounded. */
const MODE_BOUND_MS = 10_000;

const NODE = 'us-east-a-1';
const GATEWAY_IDS = ['us-east-gw-1', 'us-east-gw-2'] as const;

interface Outcome {
  readonly gw: number;
  readonly kind: 'hot' | 'background' | 'probe';
  /** Wall clock (ms since epoch) when sent: the gateways' windows are aligned to it. */
  readonly sentAt: number;
  readonly endAt: number;
  readonly ms: number;
  /** HTTP status, or 0 when the request failed without one (a timeout included). */
  readonly status: number;
  readonly limit: string | undefined;
  readonly error?: string;
}

interface LimiterStatus {
  readonly mode: 'shared' | 'local';
  readonly sync: { readonly synced: number; readonly failed: number } | null;
}

/** `n` subjects whose shard NODE leads, so one node serves every request. */
function subjectsOn(view: TopologyView, prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const sub = `${prefix}-${i}`;
    if (view.writePoint(shardOf(sub, view.shardCount)).id === NODE) out.push(sub);
  }
  return out;
}

/** Start times of the first `count` windows that begin at or after `from`. */
function windowsFrom(from: number, count: number): number[] {
  const first = Math.ceil(from / WINDOW_MS) * WINDOW_MS;
  return Array.from({ length: count }, (_, i) => first + i * WINDOW_MS);
}

describe('gateway rate limits when Redis dies under load (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  const [hotSubject, ...probeSubjects] = subjectsOn(source, 'rl-hot', 10) as [string, ...string[]];
  const backgroundSubjects = subjectsOn(source, 'rl-bg', BACKGROUND_SUBJECTS);
  let redis: RedisServer | undefined;
  let stack: TestStack | undefined;
  let client: Agent | undefined;

  before(async () => {
    redis = await startRedisServer();
    const redisUrl = redis.url;
    stack = await startTestStack({
      only: (i) => (i.kind === 'gateway' ? (GATEWAY_IDS as readonly string[]).includes(i.id) : i.id === NODE),
      edit: (doc) => {
        doc.gateway = {
          ...(doc.gateway as Record<string, unknown>),
          rateLimit: {
            redisUrl,
            classes: [
              { name: 'reads', max: LIMIT, windowMs: WINDOW_MS },
              { name: 'writes', max: 1000, windowMs: 1000 },
            ],
            syncIntervalMs: SYNC_MS,
          },
        };
        // Only one node runs: the failover controller must not act on the others being absent.
        doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
      },
    });
    client = new Agent({ connect: { timeout: REQUEST_BOUND_MS }, keepAliveTimeout: 2000 });
  });
  after(async () => {
    try {
      await client?.close();
      await stack?.close();
    } finally {
      await redis?.kill();
    }
  });

  it('keeps answering, limits locally while Redis is gone and shares the limit again once it is back', async () => {
    const s = stack as TestStack;
    const r = redis as RedisServer;
    const urls = GATEWAY_IDS.map((id) => s.url(id));
    const adminUrls = GATEWAY_IDS.map((id) => s.view.instance(id)?.adminUrl as string);
    const tokens = new Map<string, string>();
    for (const sub of [hotSubject, ...probeSubjects, ...backgroundSubjects]) tokens.set(sub, await s.token(sub));
    const outcomes: Outcome[] = [];

    const get = async (gw: number, sub: string, kind: Outcome['kind']): Promise<Outcome> => {
      const sentAt = Date.now();
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        const res = await request(`${urls[gw]}/v1/cart`, {
          headers: { authorization: `Bearer ${tokens.get(sub)}` },
          dispatcher: client,
          headersTimeout: REQUEST_BOUND_MS,
          bodyTimeout: REQUEST_BOUND_MS,
        });
        await res.body.dump();
        const limit = res.headers['ratelimit-limit'];
        outcome = {
          gw,
          kind,
          sentAt,
          endAt: Date.now(),
          ms: performance.now() - t0,
          status: res.statusCode,
          limit: typeof limit === 'string' ? limit : undefined,
        };
      } catch (err) {
        const ms = performance.now() - t0;
        outcome = { gw, kind, sentAt, endAt: Date.now(), ms, status: 0, limit: undefined, error: String(err) };
      }
      outcomes.push(outcome);
      return outcome;
    };

    let stopped = false;
    const paced = async (intervalMs: number, send: () => Promise<unknown>) => {
      let next = performance.now();
      while (!stopped && outcomes.length < MAX_REQUESTS) {
        await send();
        next += intervalMs;
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        else next = performance.now();
      }
    };
    let bg = 0;
    const load = Promise.all([
      ...urls.map((_, gw) =>
        paced(HOT_INTERVAL_MS, async () => {
          const phase = Date.now() % WINDOW_MS;
          if (phase < HOT_GUARD_MS) await sleep(HOT_GUARD_MS - phase);
          else if (phase > WINDOW_MS - HOT_GUARD_MS) await sleep(WINDOW_MS - phase + HOT_GUARD_MS);
          return get(gw, hotSubject, 'hot');
        }),
      ),
      ...urls.flatMap((_, gw) =>
        Array.from({ length: BACKGROUND_WORKERS_PER_GATEWAY }, () =>
          paced(BACKGROUND_INTERVAL_MS, () => get(gw, backgroundSubjects[bg++ % BACKGROUND_SUBJECTS] as string, 'background')),
        ),
      ),
    ]);

    const limiterStatus = async (gw: number): Promise<LimiterStatus> => {
      const res = await request(`${adminUrls[gw]}/status`, { headersTimeout: REQUEST_BOUND_MS, bodyTimeout: REQUEST_BOUND_MS });
      return ((await res.body.json()) as { rateLimit: LimiterStatus }).rateLimit;
    };
    const sharedGauge = async (gw: number): Promise<number> => {
      const res = await request(`${adminUrls[gw]}/metrics`, { headersTimeout: REQUEST_BOUND_MS, bodyTimeout: REQUEST_BOUND_MS });
      const line = (await res.body.text()).split('\n').find((l) => l.startsWith('setgate_gateway_rate_limit_shared{'));
      assert.ok(line, `gateway ${GATEWAY_IDS[gw]} publishes setgate_gateway_rate_limit_shared`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    /** Polls both gateways until each reports `mode` (and, for shared, a batch Redis took after `syncedOver`). */
    const waitForMode = async (mode: 'shared' | 'local', syncedOver: readonly number[]): Promise<number> => {
      const deadline = performance.now() + MODE_BOUND_MS;
      let last: LimiterStatus[] = [];
      while (performance.now() < deadline) {
        last = await Promise.all(urls.map((_, gw) => limiterStatus(gw)));
        const reached = last.every((st, gw) => st.mode === mode && (mode === 'local' || (st.sync?.synced ?? 0) > (syncedOver[gw] ?? 0)));
        if (reached) return Date.now();
        await sleep(50);
      }
      assert.fail(`the gateways did not report ${mode} mode within ${MODE_BOUND_MS} ms: ${JSON.stringify(last)}`);
    };
    const synced = async () => Promise.all(urls.map(async (_, gw) => (await limiterStatus(gw)).sync?.synced ?? 0));
    const waitUntil = async (t: number) => {
      const wait = t - Date.now();
      if (wait > 0) await sleep(wait);
    };
    /**
     * The hot subject's answers through `gws` in window `w`, as bounds: `admitted` counts the 200s that
     * certainly arrived in it (sent and answered inside it) up to those that may have (overlapping it);
     * `offered` counts every request that certainly arrived in it.
     */
    const hotWindow = (gws: readonly number[], w: number) => {
      const overlapping = outcomes.filter((o) => o.kind === 'hot' && gws.includes(o.gw) && o.endAt >= w && o.sentAt < w + WINDOW_MS);
      const inside = overlapping.filter((o) => o.sentAt >= w && o.endAt < w + WINDOW_MS);
      const ok = (list: readonly Outcome[]) => list.filter((o) => o.status === 200).length;
      return { admitted: { min: ok(inside), max: ok(overlapping) }, offered: inside.length };
    };
    const show = (b: { min: number; max: number }) => (b.min === b.max ? String(b.min) : `${b.min}..${b.max}`);
    const limitsSeen = (from: number, to: number) =>
      new Set(outcomes.filter((o) => o.kind !== 'probe' && o.sentAt >= from && o.endAt < to).map((o) => o.limit));

    let probes = 0;
    /**
     * Runs `steps` on a fresh subject inside one rate-limit window. Steps return what they saw instead of
     * asserting; if a window boundary fell inside the probe (a loaded machine), it is run again on another subject.
     */
    const inOneWindow = async <T>(steps: (sub: string) => Promise<T>): Promise<T> => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const sub = probeSubjects[probes++ % probeSubjects.length] as string;
        // Start right after a window boundary: the whole window is left for the probe.
        await sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 20);
        const from = Date.now();
        const seen = await steps(sub);
        if (Math.floor(from / WINDOW_MS) === Math.floor(Date.now() / WINDOW_MS)) return seen;
        process.stdout.write(`# probe crossed a window boundary after ${Date.now() - from} ms; again\n`);
      }
      assert.fail('three probes in a row crossed a window boundary');
    };
    /** The shared limit holds across both gateways: one gateway admits the whole limit, then the other refuses. */
    const probeShared = async () => {
      const seen = await inOneWindow(async (sub) => {
        const t0 = performance.now();
        const admitted = await Promise.all(Array.from({ length: LIMIT }, () => get(0, sub, 'probe')));
        const over = await get(0, sub, 'probe');
        // A gateway learns a key's region-wide count only for windows it holds itself: its first request for a
        // key it has not seen in this window is admitted (one over the limit per gateway, see the report). It
        // pushes that count at its next sync and reads back the region's total.
        const first = await get(1, sub, 'probe');
        await sleep(4 * SYNC_MS);
        const second = await get(1, sub, 'probe');
        return { admitted, over, first, second, ms: performance.now() - t0 };
      });
      process.stdout.write(`# shared probe: ${seen.ms.toFixed(0)} ms, other gateway's first request ${seen.first.status}\n`);
      assert.deepEqual(
        seen.admitted.map((o) => [o.status, o.limit]),
        Array.from({ length: LIMIT }, () => [200, String(LIMIT)]),
        `one gateway admits the whole limit (${LIMIT}) while shared`,
      );
      assert.equal(seen.over.status, 429, `request ${LIMIT + 1} through ${GATEWAY_IDS[0]} is refused`);
      assert.ok(seen.first.status === 200 || seen.first.status === 429, `first request through ${GATEWAY_IDS[1]}: ${seen.first.status}`);
      assert.equal(seen.second.status, 429, `${GATEWAY_IDS[1]} refuses: it counts the other gateway's requests`);
    };
    /** While local, each gateway admits its share and no more, whatever the other one did. */
    const probeLocal = async () => {
      const seen = await inOneWindow(async (sub) => {
        const admitted = await Promise.all(Array.from({ length: LOCAL_SHARE }, () => get(0, sub, 'probe')));
        const over = await get(0, sub, 'probe');
        const other = await get(1, sub, 'probe');
        return { admitted, over, other };
      });
      assert.deepEqual(
        seen.admitted.map((o) => [o.status, o.limit]),
        Array.from({ length: LOCAL_SHARE }, () => [200, String(LOCAL_SHARE)]),
        `one gateway admits its share (${LIMIT} ÷ ${GATEWAYS}) while local`,
      );
      assert.equal(seen.over.status, 429, `request ${LOCAL_SHARE + 1} through one gateway is refused`);
      assert.equal(seen.other.status, 200, 'the other gateway still has its own share');
    };
    /**
     * Shared windows of the hot subject, across both gateways: never more than LIMIT plus the documented
     * overshoot, and never under-counted (LIMIT admitted whenever that many were offered).
     */
    const assertSharedWindows = (windows: number[]) => {
      for (const w of windows) {
        const { admitted, offered } = hotWindow([0, 1], w);
        const perGateway = urls.map((_, gw) => show(hotWindow([gw], w).admitted)).join(' + ');
        process.stdout.write(`# shared window ${w}: admitted ${perGateway} = ${show(admitted)} of ${offered} (limit ${LIMIT})\n`);
        assert.ok(admitted.min <= LIMIT + SHARED_OVERSHOOT, `shared window admitted ${show(admitted)} (${perGateway}), limit ${LIMIT}`);
        assert.ok(admitted.max >= Math.min(LIMIT, offered), `shared window admitted ${show(admitted)} of ${offered} offered`);
      }
    };

    try {
      // 1. Shared through Redis from the start.
      const sharedSince = await waitForMode('shared', [0, 0]);
      assert.deepEqual(await Promise.all(urls.map((_, gw) => sharedGauge(gw))), [1, 1]);
      await probeShared();
      const baseline = windowsFrom(sharedSince, 1);
      await waitUntil((baseline.at(-1) as number) + WINDOW_MS);
      assertSharedWindows(baseline);

      // 2. Redis dies under load: local mode, LIMIT ÷ 2 per gateway.
      await r.kill();
      const localSince = await waitForMode('local', []);
      assert.deepEqual(await Promise.all(urls.map((_, gw) => sharedGauge(gw))), [0, 0], 'the shared gauge drops to 0');
      await probeLocal();
      const localWindows = windowsFrom(localSince, 2);
      await waitUntil((localWindows.at(-1) as number) + WINDOW_MS);
      // Local mode is exact per gateway: its share and no more (and no less, when that many were offered).
      for (const w of localWindows) {
        const perGateway = urls.map((_, gw) => hotWindow([gw], w));
        process.stdout.write(
          `# local window ${w}: admitted ${perGateway.map((g) => `${show(g.admitted)} of ${g.offered}`).join(' + ')} (share ${LOCAL_SHARE} each)\n`,
        );
        for (const { admitted, offered } of perGateway) {
          assert.ok(admitted.min <= LOCAL_SHARE, `a gateway admitted ${show(admitted)} in a local window, its share is ${LOCAL_SHARE}`);
          assert.ok(admitted.max >= Math.min(LOCAL_SHARE, offered), `a gateway admitted ${show(admitted)} of ${offered} offered`);
        }
      }
      const syncedBeforeRestart = await synced();
      const restartAt = Date.now();
      assert.deepEqual([...limitsSeen(localSince, restartAt)], [String(LOCAL_SHARE)], 'every answer while local carries the share');

      // 3. Redis returns on the same port: shared again, LIMIT across both gateways.
      await r.restart();
      const resharedSince = await waitForMode('shared', syncedBeforeRestart);
      assert.deepEqual(await Promise.all(urls.map((_, gw) => sharedGauge(gw))), [1, 1], 'the shared gauge is back to 1');
      await probeShared();
      const reshared = windowsFrom(resharedSince, 2);
      await waitUntil((reshared.at(-1) as number) + WINDOW_MS);
      assertSharedWindows(reshared);
      assert.deepEqual([...limitsSeen(resharedSince, Date.now())], [String(LIMIT)], 'every answer once shared carries the whole limit');
    } finally {
      stopped = true;
      await load;
    }

    // No request hung or failed, before, during or after the outage.
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    const failed = outcomes.filter((o) => o.status !== 200 && o.status !== 429);
    const refused = outcomes.filter((o) => o.status === 429).length;
    process.stdout.write(`# ${outcomes.length} requests, ${refused} refused (429), slowest ${slowest.toFixed(0)} ms\n`);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} requests failed or hung`);
    assert.ok(slowest < REQUEST_BOUND_MS, `slowest request took ${slowest.toFixed(0)} ms`);
    assert.deepEqual(
      outcomes.filter((o) => o.kind === 'background' && o.status !== 200).slice(0, 5),
      [],
      'subjects under their limit are never refused',
    );
    assert.ok(outcomes.length < MAX_REQUESTS, 'the load stayed within its cap');
  });
});
