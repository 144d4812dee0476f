import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTelemetry } from '@setgate/telemetry';
import type { FastifyInstance } from 'fastify';
import { Client } from 'undici';
import { CommonErrors } from '@setgate/contracts';
import { createService, installRefusalPacing, retryAfterMs } from '../src/index.js';

/** A service whose /refuse answers 429 (with or without Retry-After) and /ok 200, paced with a held resume. */
async function paced(appliesTo?: (url: string) => boolean) {
  const telemetry = startTelemetry({ service: 'test', instance: 'pacing', logLevel: 'silent' });
  const app: FastifyInstance = createService({ telemetry, accessLog: false });
  const resumes: Array<{ resume: () => void; ms: number }> = [];
  installRefusalPacing(app, {
    maxPauseMs: 1500,
    schedule: (resume, ms) => resumes.push({ resume, ms }),
    ...(appliesTo ? { appliesTo: (r) => appliesTo(r.url) } : {}),
  });
  let served = 0;
  app.get('/refuse', async (_req, reply) => reply.code(429).header('retry-after', '2').send({}));
  app.get('/refuse-untimed', async (_req, reply) => reply.code(429).send({}));
  app.get('/refuse-exempt', async (_req, reply) => reply.code(429).header('retry-after', '1').send({}));
  app.get('/shed', async () => {
    throw CommonErrors.create('SETGATE_CLIENT_BUSY', { headers: { 'retry-after': '1' } });
  });
  app.get('/unavailable', async () => {
    throw CommonErrors.create('SETGATE_UNAVAILABLE', { headers: { 'retry-after': '1' } });
  });
  app.get('/ok', async () => {
    served++;
    return {};
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  // One connection, so the request after a refusal travels on the refused one.
  const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 1, connections: 1 } as Client.Options);
  const get = async (path: string) => {
    const res = await client.request({ method: 'GET', path });
    await res.body.dump();
    return res.statusCode;
  };
  return {
    get,
    resumes,
    served: () => served,
    close: async () => {
      await client.close();
      await app.close();
    },
  };
}

describe('refusal pacing', () => {
  let s: Awaited<ReturnType<typeof paced>>;
  before(async () => {
    s = await paced((url) => url !== '/refuse-exempt');
  });
  after(async () => s.close());

  it('reads nothing more from a refused connection until min(Retry-After, the cap) has passed; the refusal itself is answered at once', async () => {
    assert.equal(await s.get('/refuse'), 429);
    assert.equal(s.resumes.length, 1);
    assert.equal(s.resumes[0]?.ms, 1500, 'Retry-After 2 s, capped at 1.5 s');
    const next = s.get('/ok');
    // Held: the request waits in the socket, unread, however long we look.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.served(), 0);
    s.resumes.shift()?.resume();
    assert.equal(await next, 200);
    assert.equal(s.served(), 1);
  });

  it("paces the component's own catalogued refusals; never a failure, even one that says Retry-After", async () => {
    assert.equal(await s.get('/shed'), 429);
    assert.equal(s.resumes.length, 1);
    assert.equal(s.resumes[0]?.ms, 1000);
    s.resumes.shift()?.resume();
    assert.equal(await s.get('/unavailable'), 503);
    assert.equal(s.resumes.length, 0, 'a region that is down is not a reason to slow a client');
    assert.equal(await s.get('/ok'), 200);
  });

  it('does not pace a refusal without Retry-After, nor a caller it does not apply to (another hop)', async () => {
    assert.equal(await s.get('/refuse-untimed'), 429);
    assert.equal(await s.get('/refuse-exempt'), 429);
    assert.equal(s.resumes.length, 0);
    assert.equal(await s.get('/ok'), 200);
  });

  it('reads Retry-After as delta-seconds only', () => {
    assert.equal(retryAfterMs('1'), 1000);
    assert.equal(retryAfterMs(['3']), 3000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), 0);
    assert.equal(retryAfterMs(undefined), 0);
    assert.equal(retryAfterMs('-1'), 0);
  });
});
