import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { createService } from '../src/index.js';

const telemetry = startTelemetry({ service: 'test', instance: 'refused-body-test', logLevel: 'silent' });
const BODY_LIMIT = 1024;
const DRAIN_MAX_BYTES = 1024 * 1024;

/** Everything a raw connection reads until the server closes it or `until` holds. */
function reader(socket: Socket, until: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('latin1');
      if (until(text)) finish(false);
    };
    const finish = (closed: boolean) => {
      socket.off('data', onData);
      resolve({ text, closed });
    };
    socket.on('data', onData);
    socket.once('close', () => finish(true));
    // A write racing the server's close is what the old behaviour did to clients; the reads tell the story.
    socket.on('error', () => {});
  });
}

const answers = (text: string) => text.split('HTTP/1.1 ').slice(1);

describe('a body declared over the limit is drained before its 413, so its client reads the answer', () => {
  let app: FastifyInstance;
  let port: number;

  before(async () => {
    app = createService({ telemetry, limits: { bodyLimitBytes: BODY_LIMIT }, refusedBodyDrain: { maxBytes: DRAIN_MAX_BYTES, maxMs: 1000 } });
    app.post('/echo', async (req) => req.body);
    app.get('/ping', async () => ({ pong: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  it('answers 413 without closing: the client sends its whole body, then a second request on the same connection is answered', async () => {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    const body = Buffer.alloc(512 * 1024, 'x');
    const got = reader(socket, (t) => answers(t).length >= 2 && t.includes('"pong":true'));
    socket.write(`POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
    socket.write(body);
    socket.write('GET /ping HTTP/1.1\r\nhost: x\r\n\r\n');
    const { text, closed } = await got;
    socket.destroy();
    const [refused, next] = answers(text);
    assert.ok(refused?.startsWith('413'), `first answer: ${refused?.slice(0, 80)}`);
    assert.match(refused ?? '', /content-type: application\/problem\+json/i);
    assert.doesNotMatch(refused ?? '', /connection: close/i);
    assert.equal(closed, false, 'the connection stayed open');
    assert.ok(next?.startsWith('200'), `second answer: ${next?.slice(0, 80)}`);
  });

  it('a body declared larger than the drain bound is refused with the connection closed, as before', async () => {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    const got = reader(socket, () => false);
    socket.write(`POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${DRAIN_MAX_BYTES + 1}\r\n\r\n{"a":`);
    const { text, closed } = await got;
    assert.ok(text.startsWith('HTTP/1.1 413'), text.slice(0, 80));
    assert.match(text, /connection: close/i);
    assert.equal(closed, true);
  });

  it('a refused body that stops arriving gets its 413 once the drain time runs out, and its connection closed', async () => {
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    const got = reader(socket, () => false);
    socket.write(`POST /echo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${64 * 1024}\r\n\r\n`);
    socket.write(Buffer.alloc(8 * 1024, 'x'));
    const { text, closed } = await got;
    assert.ok(text.startsWith('HTTP/1.1 413'), text.slice(0, 80));
    assert.equal(closed, true, 'the server gave up on the stalled body');
  });
});
