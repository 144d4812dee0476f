import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { type FetchResponse, InternalPath } from '@setgate/contracts';
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
describe('fetch long-poll over real HTTP', () => {
  it('holds a fetch with nothing new until an entry is appended', async () => {
    // A long-poll bound no busy machine outlasts: with the default 500 ms, a write delayed past it
    // by load found the fetch already answered (empty), which says nothing about the regression.
    const { node, cleanup } = startTestNode('east-a-1', testView({ fetchMaxWaitMs: 60_000 }));
    const admin = createAdminServer({ telemetry: testTelemetry(), status: () => ({}) });
    node.registerInternal(admin);
    await admin.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(admin.server.address() as AddressInfo).port}`;
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
      await admin.close();
      await cleanup();
    }
  });
});
