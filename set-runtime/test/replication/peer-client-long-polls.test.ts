import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { PeerClient } from '../../src/replication/peer-client.js';

/**
 * Regression: the peer client once allowed 8 connections per leader, while a
 * node follows 10–11 shards of one leader in the shipped topology. Each
 * followed shard holds a long-poll open, so the fetches past the 8th queued
 * behind them and sync writes waited out whole long-polls for their acks.
 */
describe('peer client under many long-polls to one leader', () => {
  it('keeps one connection per followed shard, so no fetch queues behind another', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const held: Array<() => void> = [];
    const server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      req.resume();
      held.push(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"entries","entries":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const peer = new PeerClient(undefined, 64);
    const shards = 12;
    const fetches = Array.from({ length: shards }, (_, shard) =>
      peer.fetch(url, shard, { node: 'n', epoch: 1, fromLsn: 1, lastEpoch: 0, maxEntries: 10, maxWaitMs: 500 }, 5000),
    );
    try {
      // Every long-poll reaches the leader while the others are still held.
      for (let i = 0; i < 100 && held.length < shards; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(maxInFlight, shards);
    } finally {
      for (const release of held) release();
      await Promise.all(fetches);
      await peer.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
