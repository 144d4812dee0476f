import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Header } from '@setgate/contracts';
import { MAX_LINE_QTY } from '../../src/index.js';
import { assertProblem, assertShardHeaders, injector } from '../helpers/inject.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { keyInShard } from '../helpers/topology.js';

describe('cart commands', () => {
  let t: TestNode;
  before(() => {
    t = startTestNode('west-a-1');
  });
  after(() => t.cleanup());
  const inject = injector(() => t.node.app);
  const west = { node: 'west-a-1', set: 'west-a', region: 'eu-west' };

  it('an absent cart reads as empty, in full and as a summary', async () => {
    const key = keyInShard(1, 'empty');
    const cart = await inject({ method: 'GET', url: `/cmd/cart/${key}` });
    assert.equal(cart.statusCode, 200);
    assert.deepEqual(cart.json(), { items: [], version: 0 });
    assertShardHeaders(cart, { ...west, shard: 1, epoch: 1, lsn: 0 });
    const summary = await inject({ method: 'GET', url: `/cmd/cart/${key}/summary` });
    assert.deepEqual(summary.json(), { itemCount: 0, lines: 0, totalCents: 0, version: 0 });
  });

  it('adds items, raises the quantity of a repeated SKU, summarises, removes and clears', async () => {
    const key = keyInShard(1, 'shopper');
    const base = `/cmd/cart/${key}`;
    const add = (sku: string, qty: number, priceCents: number) =>
      inject({ method: 'POST', url: `${base}/items`, payload: { sku, qty, priceCents } });

    const first = await add('apple', 2, 150);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), { items: [{ sku: 'apple', qty: 2, priceCents: 150 }], version: 1 });
    assert.equal(first.headers.etag, '"1"');
    assertShardHeaders(first, { ...west, shard: 1, epoch: 1, lsn: 1 });
    await add('pear', 1, 99);
    const more = await add('apple', 3, 140);
    assert.deepEqual(more.json().items, [
      { sku: 'apple', qty: 5, priceCents: 140 },
      { sku: 'pear', qty: 1, priceCents: 99 },
    ]);

    const summary = await inject({ method: 'GET', url: `${base}/summary` });
    assert.deepEqual(summary.json(), { itemCount: 6, lines: 2, totalCents: 5 * 140 + 99, version: 3 });

    const removed = await inject({ method: 'DELETE', url: `${base}/items/pear` });
    assert.equal(removed.statusCode, 200);
    assert.deepEqual(removed.json(), { items: [{ sku: 'apple', qty: 5, priceCents: 140 }], version: 4 });
    assertProblem(await inject({ method: 'DELETE', url: `${base}/items/pear` }), 404, 'SETGATE_NODE_ITEM_NOT_FOUND');

    const cleared = await inject({ method: 'DELETE', url: base });
    assert.equal(cleared.statusCode, 204);
    assertShardHeaders(cleared, { ...west, shard: 1, epoch: 1, lsn: 5 });
    assert.deepEqual((await inject({ method: 'GET', url: base })).json(), { items: [], version: 0 });
    const again = await inject({ method: 'DELETE', url: base });
    assert.equal(again.statusCode, 204, 'clearing an absent cart is already done');
    assert.equal(again.headers[Header.lsn], '5', 'and appends nothing');
  });

  it('concurrent adds to one cart lose none of each other', async () => {
    const key = keyInShard(3, 'busy');
    const skus = Array.from({ length: 20 }, (_, i) => `sku-${i}`);
    const results = await Promise.all(
      skus.map((sku) => inject({ method: 'POST', url: `/cmd/cart/${key}/items`, payload: { sku, qty: 1, priceCents: 10 } })),
    );
    assert.deepEqual(results.map((r) => r.statusCode), skus.map(() => 200));
    const cart = (await inject({ method: 'GET', url: `/cmd/cart/${key}` })).json();
    assert.deepEqual(cart.items.map((i: { sku: string }) => i.sku).sort(), [...skus].sort());
    assert.equal(cart.version, 20);
  });

  it('a retried add with the same idempotency key adds once', async () => {
    const url = `/cmd/cart/${keyInShard(5, 'retry')}/items`;
    const headers = { [Header.idempotencyKey]: 'add-apple-1' };
    const payload = { sku: 'apple', qty: 1, priceCents: 100 };
    const first = await inject({ method: 'POST', url, payload, headers });
    const retry = await inject({ method: 'POST', url, payload, headers });
    assert.deepEqual(retry.json(), first.json());
    assert.equal(retry.json().items[0].qty, 1);
  });

  it('422 when a line would pass the quantity limit', async () => {
    const url = `/cmd/cart/${keyInShard(7, 'bulk')}/items`;
    await inject({ method: 'POST', url, payload: { sku: 'nail', qty: MAX_LINE_QTY, priceCents: 1 } });
    const res = await inject({ method: 'POST', url, payload: { sku: 'nail', qty: 1, priceCents: 1 } });
    assertProblem(res, 422, 'SETGATE_NODE_CART_LIMIT');
  });

  it('400 naming the field for invalid item bodies and item ids, without coercion', async () => {
    const url = `/cmd/cart/${keyInShard(1, 'invalid')}/items`;
    const cases: Array<[unknown, string]> = [
      [{ qty: 1, priceCents: 1 }, 'sku'],
      [{ sku: 'a', qty: 0, priceCents: 1 }, 'qty'],
      [{ sku: 'a', qty: 100, priceCents: 1 }, 'qty'],
      [{ sku: 'a', qty: '2', priceCents: 1 }, 'qty'],
      [{ sku: 'a', qty: 1.5, priceCents: 1 }, 'qty'],
      [{ sku: 'a', qty: 1, priceCents: -1 }, 'priceCents'],
      [{ sku: 'a b', qty: 1, priceCents: 1 }, 'sku'],
      [{ sku: 'a', qty: 1, priceCents: 1, note: 'x' }, 'note'],
    ];
    for (const [payload, field] of cases) {
      const p = assertProblem(await inject({ method: 'POST', url, payload: payload as object }), 400, 'SETGATE_NODE_INVALID_REQUEST');
      assert.equal(p.field, field, JSON.stringify(payload));
    }
    const badId = await inject({ method: 'DELETE', url: `${url}/${encodeURIComponent('no such/id')}` });
    assert.equal(assertProblem(badId, 400, 'SETGATE_NODE_INVALID_REQUEST').location, 'params');
    assert.deepEqual((await inject({ method: 'GET', url: url.replace('/items', '') })).json(), { items: [], version: 0 });
  });

  it('a follower serves cart reads and refuses cart writes with 421', async () => {
    // west-a-1 holds the even shards as a follower of east-a.
    const key = keyInShard(0, 'follower-cart');
    assert.equal((await inject({ method: 'GET', url: `/cmd/cart/${key}` })).statusCode, 200);
    for (const [method, url] of [
      ['POST', `/cmd/cart/${key}/items`],
      ['DELETE', `/cmd/cart/${key}/items/apple`],
      ['DELETE', `/cmd/cart/${key}`],
    ] as const) {
      const res = await inject({ method, url, payload: method === 'POST' ? { sku: 'a', qty: 1, priceCents: 1 } : undefined });
      assert.equal((assertProblem(res, 421, 'SETGATE_NODE_NOT_WRITE_POINT').owner as { node: string }).node, 'east-a-1');
    }
  });

  it('a body over the limit is refused with 413', async () => {
    const res = await inject({
      method: 'POST',
      url: `/cmd/cart/${keyInShard(1, 'huge')}/items`,
      payload: { sku: 'a', qty: 1, priceCents: 1, pad: 'x'.repeat(5000) },
    });
    assertProblem(res, 413, 'SETGATE_BODY_TOO_LARGE');
  });
});
