import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { startTelemetry } from '@setgate/telemetry';
import { checkingIntervalMs, createService } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'svc-timeouts', logLevel: 'silent' });

describe('listener timeouts', () => {
  it('sweeps for expired connections at a quarter of the shorter timeout, between 50 ms and 1 s', () => {
    assert.equal(checkingIntervalMs({ headersTimeoutMs: 5000, requestTimeoutMs: 10_000 }), 1000);
    assert.equal(checkingIntervalMs({ headersTimeoutMs: 2000, requestTimeoutMs: 10_000 }), 500);
    assert.equal(checkingIntervalMs({ headersTimeoutMs: 100, requestTimeoutMs: 10_000 }), 50);
  });

  it('cuts a client trickling its headers with 408 problem+json within headersTimeout plus a second', async () => {
    const headersTimeoutMs = 600;
    const app = createService({ telemetry, limits: { headersTimeoutMs, requestTimeoutMs: 10_000 } });
    app.get('/x', async () => ({ ok: true }));
    const port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    try {
      const started = performance.now();
      const { text, ms } = await new Promise<{ text: string; ms: number }>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        let out = '';
        let timer: NodeJS.Timeout | undefined;
        socket.on('connect', () => {
          socket.write('GET /x HTTP/1.1\r\nhost: x\r\n');
          timer = setInterval(() => socket.writable && socket.write('x-slow: a\r\n'), 100);
        });
        socket.on('error', () => {});
        socket.on('data', (c) => {
          out += c.toString('latin1');
        });
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ text: out, ms: performance.now() - started });
        });
      });
      assert.match(text, /^HTTP\/1\.1 408 /);
      assert.match(text, /SETGATE_TIMEOUT/);
      // Node's default sweep (30 s) cut such a client anywhere up to 30 s late.
      assert.ok(ms < headersTimeoutMs + 1000, `cut after ${Math.round(ms)} ms`);
    } finally {
      await app.close();
    }
  });
});
