import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadTopologyFile } from '@setgate/config';
import { type RedisServer, startRedisServer } from '@setgate/process-supervisor';
import { shardOf, TopologyView } from '@setgate/topology';
import { request } from 'undici';
import { SHIPPED_TOPOLOGY, startTestStack, type TestStack } from './harness.js';

/**
 * A Redis per region (regions[].rateLimitRedisUrl, as docker-compose.yml and
 * the Kubernetes manifests run it), on real processes: the two us-east
 * gateways count in us-east's Redis and share one limit there; the eu-west
 * gateway counts in eu-west's Redis, which no us-east gateway touches.
 */

/** `reads` per subject and window: a window much longer than the test, which starts where no boundary is near. */
const LIMIT = 6;
const WINDOW_MS = 120_000;
const SYNC_MS = 100;
const NODE = 'us-east-a-1';
const US_GATEWAYS = ['us-east-gw-1', 'us-east-gw-2'] as const;
const EU_GATEWAY = 'eu-west-gw-1';
const READY_TIMEOUT_MS = 180_000;
const BOUND_MS = 30_000;

/** One RESP command on a raw socket (no client library): the reply as text. */
function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (d) => {
      reply += d.toString();
      // A bulk reply is complete once its announced length has arrived; other replies are one line.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (bulk ? Buffer.byteLength(reply) >= bulk[0].length + Number(bulk[1]) + 2 : reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply);
      }
    });
  });
}

/** Connection names of the clients connected to a Redis (gateways name theirs after their instance id). */
async function clientNames(port: number): Promise<string[]> {
  const list = await redisCommand(port, 'CLIENT', 'LIST');
  return [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1] as string).filter((n) => n !== '').sort();
}

const dbsize = async (port: number) => Number(/^:(\d+)/.exec(await redisCommand(port, 'DBSIZE'))?.[1]);

describe('a Redis per region for rate limits (real processes)', () => {
  const source = new TopologyView(loadTopologyFile(SHIPPED_TOPOLOGY));
  let subject = '';
  for (let i = 0; subject === ''; i++) if (source.writePoint(shardOf(`rr-${i}`, source.shardCount)).id === NODE) subject = `rr-${i}`;
  let usRedis: RedisServer | undefined;
  let euRedis: RedisServer | undefined;
  let stack: TestStack | undefined;

  before(async () => {
    usRedis = await startRedisServer();
    euRedis = await startRedisServer();
    const urls: Record<string, string> = { 'us-east': usRedis.url, 'eu-west': euRedis.url };
    stack = await startTestStack({
      only: (i) => [...US_GATEWAYS, EU_GATEWAY, NODE].includes(i.id),
      readyTimeoutMs: READY_TIMEOUT_MS,
      edit: (doc) => {
        for (const r of doc.regions as Array<Record<string, unknown>>) {
          const url = urls[r.name as string];
          if (url) r.rateLimitRedisUrl = url;
        }
        const gateway = doc.gateway as Record<string, unknown>;
        gateway.rateLimit = {
          classes: [
            { name: 'reads', max: LIMIT, windowMs: WINDOW_MS },
            { name: 'writes', max: 1000, windowMs: 1000 },
          ],
          syncIntervalMs: SYNC_MS,
        };
        // Only one node runs: the failover controller must not act on the others being absent.
        doc.failover = { ...(doc.failover as Record<string, unknown>), paused: true };
      },
    });
  });
  after(async () => {
    try {
      await stack?.close();
    } finally {
      await usRedis?.kill();
      await euRedis?.kill();
    }
  });

  /** The rate limiter's status of a gateway (admin /status). */
  const limiter = async (id: string): Promise<{ mode: string; sync: { synced: number } | null }> => {
    const s = stack as TestStack;
    const res = await request(`${s.view.instance(id)?.adminUrl}/status`, { headersTimeout: BOUND_MS, bodyTimeout: BOUND_MS });
    return ((await res.body.json()) as { rateLimit: { mode: string; sync: { synced: number } | null } }).rateLimit;
  };
  const get = async (id: string): Promise<number> => {
    const s = stack as TestStack;
    const res = await request(`${s.url(id)}/v1/cart`, {
      headers: { authorization: `Bearer ${await s.token(subject)}` },
      headersTimeout: BOUND_MS,
      bodyTimeout: BOUND_MS,
    });
    await res.body.dump();
    return res.statusCode;
  };
  /** Polls until `check` holds, within BOUND_MS. */
  const until = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + BOUND_MS;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `${what} within ${BOUND_MS} ms`);
      await sleep(100);
    }
  };

  it("connects each gateway to its own region's Redis only", async () => {
    const us = usRedis as RedisServer;
    const eu = euRedis as RedisServer;
    for (const id of [...US_GATEWAYS, EU_GATEWAY]) await until(`${id} counting in Redis`, async () => (await limiter(id)).mode === 'shared');
    await until('both us-east gateways on us-east Redis', async () => (await clientNames(us.port)).filter((n) => n.startsWith('us-east-gw')).length === 2);
    assert.deepEqual(await clientNames(us.port), [...US_GATEWAYS]);
    assert.deepEqual(await clientNames(eu.port), [EU_GATEWAY]);
  });

  it("shares one limit between a region's gateways, and counts another region apart", async () => {
    const us = usRedis as RedisServer;
    const eu = euRedis as RedisServer;
    const [gw1, gw2] = US_GATEWAYS;
    // Windows are aligned to the wall clock (every gateway shares the boundaries), so one can fall anywhere in the
    // test: start in a window with BOUND_MS left at least (seen in a busy CI run: gw2 let a request through, 200).
    const left = WINDOW_MS - (Date.now() % WINDOW_MS);
    if (left < BOUND_MS) await sleep(left + 100);
    for (let i = 0; i < LIMIT; i++) assert.equal(await get(gw1), 200, `request ${i + 1} of ${LIMIT} through ${gw1}`);
    // gw2 learns gw1's count at its next sync after gw1 pushed it: wait for a batch of each, past the requests.
    const synced = await Promise.all(US_GATEWAYS.map(async (id) => (await limiter(id)).sync?.synced ?? 0));
    for (const [k, id] of US_GATEWAYS.entries()) {
      await until(`${id} synced with Redis twice more`, async () => ((await limiter(id)).sync?.synced ?? 0) >= (synced[k] ?? 0) + 2);
    }
    // A gateway learns the region's count of a key it had not seen at its next sync: its first request for
    // the subject may still pass (as in gateway-redis-outage.test.ts), the next one may not.
    const first = await get(gw2);
    assert.ok(first === 200 || first === 429, `first request through ${gw2}: ${first}`);
    const gw2Synced = (await limiter(gw2)).sync?.synced ?? 0;
    await until(`${gw2} synced twice more`, async () => ((await limiter(gw2)).sync?.synced ?? 0) >= gw2Synced + 2);
    assert.equal(await get(gw2), 429, `${gw2} refuses: the region's limit is used up through ${gw1}`);
    assert.ok((await dbsize(us.port)) > 0, 'the counts are in us-east Redis');
    assert.equal(await dbsize(eu.port), 0, 'eu-west Redis has seen nothing of us-east');
    assert.equal(await get(EU_GATEWAY), 200, 'eu-west counts the subject in its own Redis');
    await until('eu-west counts land in eu-west Redis', async () => (await dbsize(eu.port)) > 0);
  });
});
