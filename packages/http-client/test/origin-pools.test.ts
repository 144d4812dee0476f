import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createDispatcher } from '../src/index.js';

function listen(port: number): Promise<{ server: Server; sockets: number[] }> {
  const sockets: number[] = [];
  const server = createServer((req, res) => {
    sockets.push(req.socket.remotePort ?? -1);
    req.resume();
    res.end('ok');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, sockets })));
}

/**
 * Regression: with undici 7's Agent, a refused connection (a peer still
 * starting) or a request aborted while connecting put its per-origin count
 * out of step, and from then on every request to that origin paid a new
 * connection. The process's dispatcher must keep reusing one.
 */
describe('createDispatcher: one keep-alive pool per origin', () => {
  it('reuses its connections for sequential requests after a refused connection and an aborted one', async () => {
    const probe = await listen(0);
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.server.close(() => r()));
    const origin = `http://127.0.0.1:${port}`;
    const dispatcher = createDispatcher({ connections: 4 });
    try {
      await assert.rejects(dispatcher.request({ origin, path: '/', method: 'GET' }), /ECONNREFUSED/);
      const { server, sockets } = await listen(port);
      try {
        const aborted = new AbortController();
        const pending = dispatcher.request({ origin, path: '/', method: 'GET', signal: aborted.signal });
        aborted.abort();
        await assert.rejects(pending);
        sockets.length = 0;
        for (let i = 0; i < 6; i++) {
          const res = await dispatcher.request({ origin, path: '/', method: 'GET' });
          assert.equal(await res.body.text(), 'ok');
        }
        assert.ok(new Set(sockets).size <= 2, `six sequential requests came on ${new Set(sockets).size} connections`);
      } finally {
        await dispatcher.close();
        await new Promise<void>((r) => server.close(() => r()));
      }
    } finally {
      await dispatcher.close();
    }
  });

  it('keeps a pool per origin and closes them all', async () => {
    const a = await listen(0);
    const b = await listen(0);
    const dispatcher = createDispatcher();
    try {
      for (const { server } of [a, b, a, b]) {
        const res = await dispatcher.request({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, path: '/', method: 'GET' });
        await res.body.dump();
      }
      assert.deepEqual([a.sockets.length, b.sockets.length], [2, 2]);
      assert.equal(new Set(a.sockets).size, 1);
      assert.equal(new Set(b.sockets).size, 1);
      await dispatcher.close();
      await assert.rejects(dispatcher.request({ origin: 'http://127.0.0.1:1', path: '/', method: 'GET' }), /closed/);
    } finally {
      await dispatcher.close();
      for (const { server } of [a, b]) await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
