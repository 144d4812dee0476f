import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type FetchResponse, type FetchSessionResponse, InternalPath } from '@setgate/contracts';
import { createAdminServer } from '@setgate/service-kit';
import { request } from 'undici';
import { startTestNode, testTelemetry } from '../helpers/node.js';
import { keyInShard, testView } from '../helpers/topology.js';

/**
 * Regression: the fetch route ended its long-poll on the request's 'close'
 * event, which Node emits as soon as the request body has been read. Every
 * long-poll returned at once, followers re-fetched in a tight loop (an idle
 * node burned ~330 ms of CPU per second), and sync writes slowed to hundreds
 * of ms. A fetch with nothing new must still be waiting when a write arrives.
 */
/**
 * east-a-1 with its internal endpoints on a real listener, and a long-poll bound no busy machine
 * outlasts: with the default 500 ms, a write delayed past it by load found the fetch already
 * answered (empty), which says nothing about the regression.
 */
async function leaderOverHttp() {
  const { node, cleanup } = startTestNode('east-a-1', testView({ fetchMaxWaitMs: 60_000 }));
  const admin = createAdminServer({ telemetry: testTelemetry(), status: () => ({}) });
  node.registerInternal(admin);
  await admin.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(admin.server.address() as AddressInfo).port}`;
  return {
    node,
    url,
    async cleanup() {
      await admin.close();
      await cleanup();
    },
  };
}

describe('fetch long-poll over real HTTP', () => {
  it('holds a fetch with nothing new until an entry is appended', async () => {
    const { node, url, cleanup } = await leaderOverHttp();
    try {
      const pending = request(`${url}${InternalPath.fetch.replace(':shard', '0')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node: 'west-a-1', epoch: 1, fromLsn: 1, lastEpoch: 0, maxEntries: 10, maxWaitMs: 60_000 }),
      });
      await new Promise((r) => setTimeout(r, 300));
      const key = keyInShard(0);
      const put = await node.app.inject({ method: 'PUT', url: `/state/0/${key}`, payload: { v: 1 } });
      assert.equal(put.statusCode, 201, put.body);
      const res = await pending;
      const answer = (await res.body.json()) as FetchResponse;
      assert.equal(res.statusCode, 200);
      assert.equal(answer.kind, 'entries');
      assert.equal(answer.kind === 'entries' ? answer.entries.length : -1, 1, 'the long-poll was still open when the write arrived');
    } finally {
      await cleanup();
    }
  });

  it('holds a session until any of its shards has an entry, then answers every shard', async () => {
    const { node, url, cleanup } = await leaderOverHttp();
    try {
      // east-a-1 leads the even shards at epoch 1 (shard 2 at 3); west-a-1 follows them.
      const shards = [0, 4, 6].map((shard) => ({ shard, epoch: 1, fromLsn: 1, lastEpoch: 0 }));
      const pending = request(`${url}${InternalPath.fetchSession}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node: 'west-a-1', shards, maxWaitMs: 60_000 }),
      });
      await new Promise((r) => setTimeout(r, 300));
      const put = await node.app.inject({ method: 'PUT', url: `/state/4/${keyInShard(4)}`, payload: { v: 1 } });
      assert.equal(put.statusCode, 201, put.body);
      const res = await pending;
      const answer = (await res.body.json()) as FetchSessionResponse;
      assert.equal(res.statusCode, 200);
      const byShard = new Map(answer.answers.map((a) => [a.shard, a]));
      assert.deepEqual([...byShard.keys()].sort(), [0, 4, 6], 'one answer per shard asked for');
      for (const [shard, a] of byShard) {
        assert.equal(a.kind, 'entries', `shard ${shard}`);
        if (a.kind !== 'entries') continue;
        assert.equal(a.entries.length, shard === 4 ? 1 : 0, `shard ${shard}: only the written shard has an entry`);
        assert.equal(a.leaderLsn, shard === 4 ? 1 : 0, `shard ${shard}: every answer carries its leader mark`);
      }
    } finally {
      await cleanup();
    }
  });

  it('refuses a shard it does not lead at that epoch on its own, answering the others; a shard named twice is a 400', async () => {
    const { node, cleanup } = startTestNode('east-a-1', testView());
    const admin = createAdminServer({ telemetry: testTelemetry(), status: () => ({}) });
    node.registerInternal(admin);
    try {
      const session = (shards: ReadonlyArray<{ shard: number; epoch: number }>) =>
        admin.inject({
          method: 'POST',
          url: InternalPath.fetchSession,
          payload: { node: 'west-a-1', shards: shards.map((s) => ({ ...s, fromLsn: 1, lastEpoch: 0 })), maxWaitMs: 0 },
        });
      const res = await session([
        { shard: 0, epoch: 1 },
        { shard: 1, epoch: 1 },
        { shard: 2, epoch: 1 },
      ]);
      assert.equal(res.statusCode, 200, res.body);
      const byShard = new Map((res.json() as FetchSessionResponse).answers.map((a) => [a.shard, a]));
      assert.equal(byShard.get(0)?.kind, 'entries');
      assert.deepEqual(refusal(byShard.get(1)), { status: 421, code: 'SETGATE_NODE_SHARD_NOT_HELD' }, 'an odd shard is not held by east-a-1');
      assert.deepEqual(refusal(byShard.get(2)), { status: 409, code: 'SETGATE_NODE_STALE_EPOCH' }, 'shard 2 is at epoch 3');
      const twice = await session([
        { shard: 0, epoch: 1 },
        { shard: 0, epoch: 1 },
      ]);
      assert.equal(twice.statusCode, 400, twice.body);
      assert.equal(twice.json().code, 'SETGATE_NODE_INVALID_REQUEST');
    } finally {
      await admin.close();
      await cleanup();
    }
  });
});

function refusal(a: FetchSessionResponse['answers'][number] | undefined): { status: number; code: string } | undefined {
  return a?.kind === 'refused' ? { status: a.status, code: a.code } : undefined;
}
