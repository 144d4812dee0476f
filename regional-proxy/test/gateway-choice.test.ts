import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { answerAsGateway, deadGateway, type GatewayStub, startGatewayStub } from './helpers/gateway-stub.js';
import { type RunningProxy, STEADY_HEALTH, startProxy, testRoutes, usEastGateways, withPolicy } from './helpers/proxy-harness.js';

/** A stub that holds `/hold` requests until the test releases them and answers the rest at once. */
async function holdingStub(id: string, held: ServerResponse[]): Promise<GatewayStub> {
  const answer = answerAsGateway(id);
  return startGatewayStub(id, (req, res, body) => {
    if (req.url === '/hold') held.push(res);
    else answer(req, res, body);
  });
}

async function servedBy(proxy: RunningProxy, path: string): Promise<string> {
  const res = await proxy.send(path);
  assert.equal(res.statusCode, 200);
  return ((await res.body.json()) as { gateway: string }).gateway;
}

describe('gateway choice within the region', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('sends to the gateway with the fewest requests in flight, ties round-robin', async () => {
    const held: ServerResponse[] = [];
    const a = await holdingStub('us-east-gw-1', held);
    const b = await holdingStub('us-east-gw-2', held);
    closers.push(a.close, b.close);
    const proxy = await startProxy(usEastGateways([a, b]));
    closers.push(proxy.close);

    const slow = proxy.send('/hold');
    // Wait (without a deadline of our own) until the held request sits at a gateway.
    while (held.length === 0) await sleep(5);
    const busy = a.received.length === 1 ? a.id : b.id;
    const idle = busy === a.id ? b.id : a.id;

    // Round-robin alone would alternate; least-in-flight keeps them off the busy gateway.
    for (let i = 0; i < 4; i++) assert.equal(await servedBy(proxy, '/fast'), idle);

    for (const res of held) answerAsGateway(busy)({} as never, res, Buffer.alloc(0));
    assert.equal((await slow).statusCode, 200);

    // Both idle again: ties go round-robin.
    const next = [await servedBy(proxy, '/fast'), await servedBy(proxy, '/fast')];
    assert.deepEqual(next.sort(), [a.id, b.id]);
  });

  // Health is held steady here, so the dead gateway keeps being picked and each request meets it or not by turn.
  describe('with one gateway of the region down, before health notices', () => {
    let live: GatewayStub;
    let proxy: RunningProxy;

    it('serves safe requests from the other gateway', async () => {
      live = await startGatewayStub('us-east-gw-2');
      closers.push(live.close);
      proxy = await startProxy(usEastGateways([await deadGateway(), live]), {
        routes: testRoutes(withPolicy({ health: STEADY_HEALTH })),
      });
      closers.push(proxy.close);
      for (let i = 0; i < 4; i++) assert.equal(await servedBy(proxy, `/v1/profile?i=${i}`), live.id);
      for (let i = 0; i < 2; i++) assert.equal((await proxy.send('/v1/profile', { method: 'HEAD' })).statusCode, 200);
      assert.equal(live.received.filter((r) => r.method === 'GET').length, 4);
    });

    it('retries an unkeyed POST refused by the dead gateway on the other: a refused connection never carried it', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await proxy.send('/v1/cart/items', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ item: i }),
        });
        assert.equal(res.statusCode, 200);
        await res.body.dump();
      }
      // Two requests, two gateways in turn: one met the dead gateway and was resent to the live one, body intact.
      assert.deepEqual(
        live.received.filter((r) => r.method === 'POST').map((r) => r.body.toString()),
        ['{"item":0}', '{"item":1}'],
      );
    });

    it('retries a POST that carries an idempotency key, body intact', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await proxy.send('/v1/cart/items', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `k-${i}` },
          body: JSON.stringify({ item: `keyed-${i}` }),
        });
        assert.equal(res.statusCode, 200);
        await res.body.dump();
      }
      const keyed = live.received.filter((r) => r.headers['idempotency-key'] !== undefined);
      assert.deepEqual(
        keyed.map((r) => r.body.toString()),
        ['{"item":"keyed-0"}', '{"item":"keyed-1"}'],
      );
    });
  });
});
