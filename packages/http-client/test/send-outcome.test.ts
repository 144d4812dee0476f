import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createPool, neverSent } from '../src/index.js';

/**
 * `neverSent` decides whether a failed write may be called "not applied" and
 * resent: only when the connection was never established. Real sockets show
 * how undici reports a server that read the request and then went away.
 */
describe('neverSent: was the request certainly not sent?', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  async function serve(onRequestRead: (socket: import('node:net').Socket) => void): Promise<string> {
    const server = createServer((req) => {
      req.resume();
      req.on('end', () => onRequestRead(req.socket));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function failureOf(origin: string, headersTimeout?: number): Promise<unknown> {
    const pool = createPool(origin, { connectTimeoutMs: 1000 });
    try {
      await pool.request({ path: '/', method: 'POST', body: '{"n":1}', ...(headersTimeout ? { headersTimeout } : {}) });
    } catch (err) {
      return err;
    } finally {
      await pool.close();
    }
    assert.fail('the request succeeded');
  }

  it('is false when the server reset the connection after reading the request (ECONNRESET)', async () => {
    const err = await failureOf(await serve((s) => s.resetAndDestroy()));
    assert.equal((err as { code?: string }).code, 'ECONNRESET');
    assert.equal(neverSent(err), false);
  });

  it('is false when the server closed the connection after reading the request (UND_ERR_SOCKET)', async () => {
    const err = await failureOf(await serve((s) => s.destroy()));
    assert.equal((err as { code?: string }).code, 'UND_ERR_SOCKET');
    assert.equal(neverSent(err), false);
  });

  it('is false when no answer came within the headers timeout', async () => {
    const err = await failureOf(await serve(() => undefined), 100);
    assert.equal((err as { code?: string }).code, 'UND_ERR_HEADERS_TIMEOUT');
    assert.equal(neverSent(err), false);
  });

  it('is true for connect-phase failures only', () => {
    const err = (code: string, syscall?: string) => Object.assign(new Error(code), { code, ...(syscall ? { syscall } : {}) });
    assert.ok(neverSent(err('UND_ERR_CONNECT_TIMEOUT')));
    assert.ok(neverSent(err('ENOTFOUND', 'getaddrinfo')));
    assert.ok(neverSent(err('EHOSTUNREACH', 'connect')));
    assert.ok(neverSent(new Error('wrapped', { cause: err('ENETUNREACH', 'connect') })));
    assert.equal(neverSent(err('EHOSTUNREACH', 'read')), false, 'unreachable on an open socket: the request may have gone out');
    assert.equal(neverSent(err('ETIMEDOUT')), false);
    assert.equal(neverSent(new Error('no code')), false);
  });
});
