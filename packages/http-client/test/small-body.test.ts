import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { bodyText, createPool, discard, failureKind, receive, SMALL_BODY_BYTES } from '../src/index.js';

describe('receive: small bodies read whole, large ones streamed', () => {
  let server: Server;
  let origin: string;
  const big = 'b'.repeat(SMALL_BODY_BYTES + 1);
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/small') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
        res.write('{"a":');
        setTimeout(() => res.end('12345}'), 5);
      } else if (req.url === '/big') {
        res.writeHead(200, { 'content-length': String(big.length) });
        res.end(big);
      } else if (req.url === '/chunked') {
        res.writeHead(200);
        res.end('no length');
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '50' });
        res.write('only part');
        setTimeout(() => res.socket?.destroy(), 5);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function get(path: string) {
    const pool = createPool(origin);
    try {
      return await receive(await pool.request({ path, method: 'GET' }));
    } finally {
      await pool.close();
    }
  }

  it('reads a body of declared small length into one buffer, across chunks', async () => {
    const a = await get('/small');
    assert.ok(Buffer.isBuffer(a.body));
    assert.equal(a.body.toString(), '{"a":12345}');
    assert.equal(a.headers['content-type'], 'application/json');
  });

  it('leaves a body over the bound, or of unknown length, a stream that still reads whole', async () => {
    const pool = createPool(origin);
    try {
      const large = await receive(await pool.request({ path: '/big', method: 'GET' }));
      assert.ok(!Buffer.isBuffer(large.body));
      assert.equal((await bodyText(large)).length, big.length);
      const unknown = await receive(await pool.request({ path: '/chunked', method: 'GET' }));
      assert.ok(!Buffer.isBuffer(unknown.body));
      assert.equal(await bodyText(unknown), 'no length');
      discard(unknown);
    } finally {
      await pool.close();
    }
  });

  it('rejects, as a connection failure, a body cut off before its declared length', async () => {
    await assert.rejects(get('/cut'), (e: unknown) => {
      assert.equal(failureKind(e), 'connection');
      return true;
    });
  });
});
