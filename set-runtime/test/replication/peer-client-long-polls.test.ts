import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { PeerClient } from '../../src/replication/peer-client.js';

/**
 * Regression: the peer client once allowed 8 connections per leader, and
 * calls past the 8th queued behind held long-polls, so sync writes waited out
 * whole long-polls for their acks. A follower now holds one session long-poll
 * per leader, but snapshot restores of several shards run beside it: none
 * may queue behind another.
 */
describe('peer client beside a held session long-poll', () => {
  it('reaches the leader with every snapshot while the session is still held', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const held: Array<() => void> = [];
    const server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      req.resume();
      const body = req.url?.includes('/snapshot') ? '{"shard":0}' : '{"answers":[]}';
      held.push(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const peer = new PeerClient(undefined, 64);
    const snapshots = 12;
    const calls: Array<Promise<unknown>> = [
      peer.fetchSession(url, { node: 'n', shards: [{ shard: 0, epoch: 1, fromLsn: 1, lastEpoch: 0 }], maxWaitMs: 500 }, 5000),
      ...Array.from({ length: snapshots }, (_, shard) => peer.snapshot(url, shard, 1, 5000)),
    ];
    try {
      for (let i = 0; i < 500 && held.length < calls.length; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(maxInFlight, calls.length, 'every call reached the leader while the others were held');
    } finally {
      for (const release of held) release();
      await Promise.all(calls);
      await peer.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
