import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROBLEM_CONTENT_TYPE } from '@setgate/contracts';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

/** Sends `head`, then one byte of `body` every `everyMs`; resolves with what the gateway wrote until it closed. */
function trickle(port: number, head: string, body: string, everyMs: number): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < body.length && socket.writable) socket.write(body[sent++] as string);
    }, everyMs);
    socket.on('error', () => {});
    socket.on('connect', () => socket.write(head));
    socket.on('data', (c) => {
      text += c.toString('latin1');
    });
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ text, ms: performance.now() - started });
    });
  });
}

describe('forward stage: body minimum data rate', () => {
  let node: FakeNode;
  let app: FastifyInstance;
  let port = 0;
  let token = '';
  before(async () => {
    node = await startFakeNode((_req, res) => res.end('{}'));
    app = testGateway({
      nodePort: node.port,
      edit: (doc) => {
        Object.assign(doc.limits as object, { bodyGraceMs: 300, bodyMinBytesPerSec: 500 });
      },
    });
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    token = (await signToken({ sub: 'slow-1' })) as string;
  });
  after(async () => {
    await app.close();
    await node.close();
  });

  const head = (length: number) =>
    `PUT /v1/profile HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer(token).authorization}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;

  it('cuts a trickling body with 408 problem+json before any node sees it, and frees its in-flight slot', async () => {
    const nodeRequests = node.received.length;
    const { text, ms } = await trickle(port, head(200), '{"a":'.padEnd(200, ' '), 200);
    assert.match(text, /^HTTP\/1\.1 408 /, text);
    assert.match(text, new RegExp(`content-type: ${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`, 'i'));
    assert.match(text, /SETGATE_BODY_TOO_SLOW/);
    assert.match(text, /connection: close/i);
    assert.ok(ms < 5000, `cut after ${Math.round(ms)} ms`);
    assert.equal(node.received.length, nodeRequests, 'no node was contacted');
    assert.equal(app.admission.inFlight, 0);
    assert.equal(app.admission.clients.clients, 0);
  });

  it('closes the connection of a request refused before its body (401) whose body then trickles, with no second answer', async () => {
    const refused = head(200).replace(/authorization: [^\r]*\r\n/, '');
    const { text } = await trickle(port, refused, '{"a":'.padEnd(200, ' '), 200);
    assert.match(text, /^HTTP\/1\.1 401 /, text);
    // The request timeout would have written a 408 after the 401: the body rate closed the connection instead.
    assert.equal(text.match(/HTTP\/1\.1 \d{3}/g)?.length, 1, text);
    assert.equal(app.admission.inFlight, 0);
  });

  it('lets a body that keeps the rate through', async () => {
    // 40 bytes every 50 ms is 800 bytes/s, above the 500 asked.
    const body = '{"displayName":"Ada"}'.padEnd(400, ' ');
    const chunks = body.match(/.{1,40}/g) as string[];
    const started = performance.now();
    const text = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let out = '';
      socket.on('connect', async () => {
        socket.write(head(body.length).replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n'));
        for (const c of chunks) {
          await new Promise((r) => setTimeout(r, 50));
          socket.write(c);
        }
      });
      socket.on('data', (c) => {
        out += c.toString('latin1');
      });
      socket.on('close', () => resolve(out));
    });
    assert.ok(performance.now() - started > 300, 'the upload outlasted the grace period');
    assert.match(text, /^HTTP\/1\.1 200 /, text);
  });
});
