import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { type FakeNode, startFakeNode } from '../../helpers/upstream.js';

/** One command per priority: profile.get critical, tenant.get high, search.get normal, order.get low. */
const PRIORITY: Record<string, string> = { 'profile.get': 'critical', 'tenant.get': 'high', 'search.get': 'normal', 'order.get': 'low' };
const URL_OF = { critical: '/v1/profile', high: '/v1/tenant', normal: '/v1/search?account=a', low: '/v1/orders/o-1' } as const;

function prioritised(maxInFlight: number, criticalHardCap: number) {
  return (doc: Record<string, unknown>) => {
    for (const c of doc.commands as Record<string, unknown>[]) c.priority = PRIORITY[c.name as string] ?? 'normal';
    doc.gateway = { admission: { maxInFlight, maxEventLoopDelayMs: 100, criticalHardCap, retryAfterSec: 2 } };
  };
}

describe('admission stage', () => {
  let node: FakeNode;
  let held: ServerResponse[] = [];
  let hold = false;
  let headers: Record<string, string>;
  before(async () => {
    node = await startFakeNode((_req, res) => {
      if (hold) held.push(res);
      else res.end('{}');
    });
    headers = { ...bearer(await signToken()), 'x-tenant-id': 't-1' };
  });
  after(async () => node.close());

  const send = (app: FastifyInstance, p: keyof typeof URL_OF) => app.inject({ url: URL_OF[p], headers });

  it('admits everything without overload and counts in-flight back to zero', async () => {
    const app = testGateway({ nodePort: node.port, edit: prioritised(10, 20) }, { admission: { eventLoopDelayMs: () => 0 } });
    try {
      for (const p of ['critical', 'high', 'normal', 'low'] as const) assert.equal((await send(app, p)).statusCode, 200);
      assert.equal(app.admission.inFlight, 0);
    } finally {
      await app.close();
    }
  });

  it('sheds low before normal before high, with a drop probability rising with load', async () => {
    let delay = 0;
    const app = testGateway(
      { nodePort: node.port, edit: prioritised(10, 20) },
      // random() = 0.5: a priority is shed once its drop probability passes one half.
      { admission: { eventLoopDelayMs: () => delay, random: () => 0.5 } },
    );
    try {
      const statuses = async () => {
        const out: Record<string, number> = {};
        for (const p of ['critical', 'high', 'normal', 'low'] as const) out[p] = (await send(app, p)).statusCode;
        return out;
      };
      delay = 130; // load 1.3: low at 60%, normal at 10%
      assert.deepEqual(await statuses(), { critical: 200, high: 200, normal: 200, low: 503 });
      delay = 160; // load 1.6: normal at 70%, high at 20%
      assert.deepEqual(await statuses(), { critical: 200, high: 200, normal: 503, low: 503 });
      delay = 250; // load 2.5: all but critical
      assert.deepEqual(await statuses(), { critical: 200, high: 503, normal: 503, low: 503 });
      const shed = await send(app, 'high');
      assertProblem(shed, 503, 'SETGATE_GW_OVERLOADED');
      assert.equal(shed.headers['retry-after'], '2');
      assert.ok((app.admission.shed.low ?? 0) >= (app.admission.shed.high ?? 0));
    } finally {
      await app.close();
    }
  });

  it('admits critical traffic up to the hard cap only', async () => {
    const app = testGateway({ nodePort: node.port, edit: prioritised(1, 3) }, { admission: { eventLoopDelayMs: () => 0 } });
    hold = true;
    try {
      const pending = [send(app, 'critical'), send(app, 'critical'), send(app, 'critical')];
      while (held.length < 3) await new Promise((r) => setTimeout(r, 5));
      assert.equal(app.admission.inFlight, 3);
      assertProblem(await send(app, 'critical'), 503, 'SETGATE_GW_OVERLOADED');
      hold = false;
      for (const res of held) res.end('{}');
      held = [];
      for (const res of await Promise.all(pending)) assert.equal(res.statusCode, 200);
      assert.equal(app.admission.inFlight, 0);
    } finally {
      hold = false;
      await app.close();
    }
  });

  it('sheds before any credential is checked or rate window counted: a shed costs no token verification', async () => {
    const app = testGateway({ nodePort: node.port, edit: prioritised(10, 20) }, { admission: { eventLoopDelayMs: () => 250, random: () => 0.5 } });
    try {
      // No token, then a forged one: under overload both are shed (503), not judged (401).
      assertProblem(await app.inject({ url: URL_OF.low }), 503, 'SETGATE_GW_OVERLOADED');
      assertProblem(await app.inject({ url: URL_OF.high, headers: { authorization: 'Bearer not.a.jwt' } }), 503, 'SETGATE_GW_OVERLOADED');
      // Critical is never shed below its hard cap, so it reaches authentication.
      assertProblem(await app.inject({ url: URL_OF.critical }), 401, 'SETGATE_GW_UNAUTHENTICATED');
      assert.equal(app.admission.inFlight, 0);
    } finally {
      await app.close();
    }
  });
});
