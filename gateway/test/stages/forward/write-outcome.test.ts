import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import type { FastifyInstance } from 'fastify';
import { testGateway } from '../../helpers/gateway.js';
import { assertProblem } from '../../helpers/problem.js';
import { bearer, signToken } from '../../helpers/tokens.js';
import { closedPort, type FakeNode, type Responder, startFakeNode } from '../../helpers/upstream.js';

/**
 * What a client is told about a write the node may or may not have applied
 * (issue 11, finding 6). Real sockets: a node that reads the whole request and
 * then resets or closes the connection, one that never answers, and a port
 * nobody listens on. Only the last one may be called "not applied".
 */
describe('forward: the outcome of a write whose node failed', () => {
  let app: FastifyInstance | undefined;
  let node: FakeNode | undefined;
  let auth: { authorization: string };
  before(async () => {
    auth = bearer(await signToken({ sub: 'writer-1' }));
  });
  afterEach(async () => {
    await app?.close();
    await node?.close();
    app = undefined;
    node = undefined;
  });
  after(async () => {
    await app?.close();
  });

  async function gatewayOver(respond: Responder, timeoutMs?: number): Promise<FastifyInstance> {
    node = await startFakeNode(respond);
    app = testGateway({ nodePort: node.port, ...(timeoutMs ? { timeoutMs } : {}) });
    return app;
  }

  const write = (gw: FastifyInstance, headers: Record<string, string> = {}) =>
    gw.inject({ method: 'PUT', url: '/v1/profile', headers: { ...auth, 'content-type': 'application/json', ...headers }, payload: '{"displayName":"Ada"}' });

  it('answers "outcome unknown", not "not applied", when the node resets the connection after reading the request', async () => {
    const gw = await gatewayOver((_req, res) => res.socket?.resetAndDestroy());
    const problem = assertProblem(await write(gw), 502, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN');
    assert.match(String(problem.detail), /may have been applied/i);
    assert.match(String(problem.detail), /idempotency-key/i);
    assert.equal(problem.mayHaveBeenApplied, true);
    assert.equal(node?.received.length, 1, 'a write without an idempotency key is sent once');
    assert.equal(node?.received[0]?.body, '{"displayName":"Ada"}', 'the node had the whole request');
  });

  it('answers "outcome unknown" when the node closes the connection after reading the request', async () => {
    const gw = await gatewayOver((_req, res) => res.socket?.destroy());
    assertProblem(await write(gw), 502, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN');
    assert.equal(node?.received.length, 1);
  });

  it("answers \"outcome unknown\" when the node does not answer within the command's timeout", async () => {
    const pending: ReturnType<typeof setTimeout>[] = [];
    const gw = await gatewayOver((_req, res) => {
      pending.push(setTimeout(() => res.end('late'), 5000));
    }, 100);
    try {
      const problem = assertProblem(await write(gw), 502, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN');
      assert.match(String(problem.detail), /100 ms/);
      assert.equal(node?.received.length, 1, 'a timed-out write without an idempotency key is not resent');
    } finally {
      for (const t of pending) clearTimeout(t);
    }
  });

  it('resends a write that carries an idempotency key once, and answers with the node', async () => {
    let calls = 0;
    const gw = await gatewayOver((_req, res) => {
      calls++;
      if (calls === 1) {
        res.socket?.resetAndDestroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', [Header.epoch]: '1', [Header.lsn]: '7' });
      res.end('{"ok":true}');
    });
    const res = await write(gw, { [Header.idempotencyKey]: 'idem-outcome-1' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(node?.received.length, 2);
    assert.deepEqual(
      node?.received.map((r) => r.headers[Header.idempotencyKey]),
      ['idem-outcome-1', 'idem-outcome-1'],
    );
  });

  it('answers "outcome unknown" when the resend of a write that may have been applied is refused by the node', async () => {
    // Regression (drill, kill-write-point): the first attempt reached the node and timed out, the
    // resend with the same key was refused "nothing written" (lease expired); the client was told
    // "not applied" while the first attempt's value ended up on every replica.
    let calls = 0;
    const gw = await gatewayOver((_req, res) => {
      calls++;
      if (calls === 1) {
        res.socket?.resetAndDestroy();
        return;
      }
      res.writeHead(503, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'lease expired', status: 503, code: 'SETGATE_NODE_LEASE_EXPIRED', detail: 'nothing was written' }));
    });
    const problem = assertProblem(await write(gw, { [Header.idempotencyKey]: 'idem-outcome-3' }), 502, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN');
    assert.equal(problem.mayHaveBeenApplied, true);
    assert.equal(node?.received.length, 2, 'resent once with the key');
  });

  it('still answers "outcome unknown" when the resent idempotent write cannot reach the node', async () => {
    const gw = await gatewayOver((_req, res) => res.socket?.resetAndDestroy());
    const problem = assertProblem(await write(gw, { [Header.idempotencyKey]: 'idem-outcome-2' }), 502, 'SETGATE_GW_WRITE_OUTCOME_UNKNOWN');
    assert.equal(node?.received.length, 2, 'resent once with the key, no more');
    assert.equal(problem.idempotencyKey, true);
  });

  it('answers "not applied" (503) only when the node refused the connection', async () => {
    app = testGateway({ nodePort: await closedPort() });
    const res = await write(app);
    const problem = assertProblem(res, 503, 'SETGATE_GW_WRITE_POINT_UNAVAILABLE');
    assert.match(String(problem.detail), /not applied/);
    assert.equal(res.headers['retry-after'], '1');
  });
});
