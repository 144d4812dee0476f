import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import { request } from 'undici';
import { LeaseGrants } from '../../src/control-plane/failover/lease-grants.js';
import { grantLeasesOnWatch } from '../../src/control-plane/failover/lease-hook.js';

/** The watch route's answers as lease grants (lease-hook.ts), on a real listener. */
describe('lease grants on watch answers', () => {
  async function serve(holdMs: number) {
    const app = Fastify();
    const leases = new LeaseGrants();
    grantLeasesOnWatch(app, leases);
    app.get('/v1/config/watch', async (_req, reply) => {
      await sleep(holdMs);
      return reply.code(204).send();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return { app, leases, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  }

  it('an answered poll naming a node is a grant, and says so', async () => {
    const { app, leases, url } = await serve(0);
    try {
      const res = await request(`${url}/v1/config/watch?after=1&node=n1`);
      await res.body.dump();
      assert.equal(res.headers['x-setgate-lease'], 'granted');
      assert.equal(leases.view('n1').assumed, false);
    } finally {
      await app.close();
    }
  });

  it('a poll whose connection closed before the answer (its node was killed) grants nothing', async () => {
    const { app, leases, url } = await serve(300);
    try {
      const abort = new AbortController();
      const pending = request(`${url}/v1/config/watch?after=1&node=n1`, { signal: abort.signal }).catch(() => undefined);
      await sleep(100);
      abort.abort();
      await pending;
      await sleep(500); // the route answers into the closed connection meanwhile
      assert.equal(leases.view('n1').assumed, true, 'no grant was recorded for n1');
    } finally {
      await app.close();
    }
  });
});
