import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { ISSUER } from '../../helpers/topology.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

const CAP = 2;

/**
 * The fake node holds every request until the test answers it: with the commands' usual
 * 2 s timeouts a slow (loaded) run would see held requests time out and be retried to the
 * same node, which counts as another held request and breaks the count the test waits for.
 */
function holdWithoutTimeouts(doc: Record<string, unknown>): void {
  for (const c of doc.commands as Array<{ timeoutMs?: number }>) c.timeoutMs = 120_000;
}

describe('admission: per-client in-flight cap', () => {
  let node: FakeNode;
  const held: ServerResponse[] = [];
  before(async () => {
    node = await startFakeNode((_req, res) => held.push(res));
  });
  after(async () => {
    for (const res of held) res.end('{}');
    await node.close();
  });

  it("refuses a subject's request past its cap with 429 problem+json and Retry-After; other subjects are admitted", async () => {
    const app = testGateway(
      {
        nodePort: node.port,
        edit: (doc) => {
          doc.gateway = { fairness: { maxInFlightPerClient: CAP }, admission: { retryAfterSec: 3 } };
          holdWithoutTimeouts(doc);
        },
      },
      { admission: { eventLoopDelayMs: () => 0 } },
    );
    try {
      const alice = bearer(await signToken({ sub: 'alice' }));
      const bob = bearer(await signToken({ sub: 'bob' }));
      const pending = [app.inject({ url: '/v1/profile', headers: alice }), app.inject({ url: '/v1/profile', headers: alice })];
      while (held.length < CAP) await new Promise((r) => setTimeout(r, 5));
      const refused = await app.inject({ url: '/v1/profile', headers: alice });
      assertProblem(refused, 429, 'SETGATE_CLIENT_BUSY');
      assert.equal(refused.headers['retry-after'], '3');
      assert.equal(app.admission.clientBusy, 1);
      // Bob is another client: admitted while Alice is at her cap.
      const bobs = app.inject({ url: '/v1/profile', headers: bob });
      while (held.length < CAP + 1) await new Promise((r) => setTimeout(r, 5));
      assert.equal(app.admission.clients.held(`${ISSUER} alice`), CAP);
      assert.equal(app.admission.clients.held(`${ISSUER} bob`), 1);
      for (const res of held.splice(0)) res.end('{}');
      for (const res of await Promise.all([...pending, bobs])) assert.equal(res.statusCode, 200);
      // Every slot came back with its answer: Alice is admitted again, and nobody is tracked.
      assert.equal(app.admission.clients.clients, 0);
      const again = app.inject({ url: '/v1/profile', headers: alice });
      while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
      for (const res of held.splice(0)) res.end('{}');
      assert.equal((await again).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('counts anonymous callers by address (IPv6 by /64), never by a header they send', async () => {
    const app = testGateway(
      {
        nodePort: node.port,
        edit: (doc) => {
          doc.gateway = { fairness: { maxInFlightPerClient: 1 } };
          holdWithoutTimeouts(doc);
        },
      },
      { admission: { eventLoopDelayMs: () => 0 } },
    );
    try {
      const first = app.inject({ url: '/v1/cards/c-1', remoteAddress: '2001:db8:1:2::5' });
      while (held.length < 1) await new Promise((r) => setTimeout(r, 5));
      const sameNet = await app.inject({
        url: '/v1/cards/c-2',
        remoteAddress: '2001:db8:1:2::9',
        headers: { 'x-forwarded-for': '198.51.100.1' },
      });
      assertProblem(sameNet, 429, 'SETGATE_CLIENT_BUSY');
      const otherNet = app.inject({ url: '/v1/cards/c-3', remoteAddress: '2001:db8:1:3::5' });
      while (held.length < 2) await new Promise((r) => setTimeout(r, 5));
      for (const res of held.splice(0)) res.end('{}');
      assert.equal((await first).statusCode, 200);
      assert.equal((await otherNet).statusCode, 200);
    } finally {
      await app.close();
    }
  });
});
