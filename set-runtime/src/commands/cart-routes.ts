import { etagOf } from '@setgate/contracts';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NodeErrors } from '../errors.js';
import { runWrite, type SettledWrite } from '../http/run-write.js';
import { KeyParams, ShardKey } from '../http/schemas.js';
import { routeRead } from '../http/read-route.js';
import { type RoutingDeps, routeShard } from '../http/shard-route.js';
import type { Mutation, Refusal, StoredRecord } from '../store/types.js';
import { addItem, asCart, type Cart, CartItemBody, EMPTY_CART, removeItem, Sku, summarize } from './cart-model.js';

/** Collection of cart documents, one per shard key. */
export const CART_COLLECTION = 'cart';

const ItemParams = Type.Object({ key: ShardKey, itemId: Sku }, { additionalProperties: false });
type KeyReq = { Params: Static<typeof KeyParams> };

/** Turns a cart change into the store's mutation, inside the write's transaction. */
function change(edit: (cart: Cart) => Cart | Refusal) {
  return (current: StoredRecord | undefined): Mutation | Refusal => {
    const next = edit(current ? asCart(current.value) : EMPTY_CART);
    return 'refused' in next ? next : { op: 'put', value: next };
  };
}

function cartOf(settled: SettledWrite) {
  if (settled.kind === 'refused') {
    const code = settled.reason === 'item-not-found' ? 'SETGATE_NODE_ITEM_NOT_FOUND' : 'SETGATE_NODE_CART_LIMIT';
    throw NodeErrors.create(code, { detail: settled.detail });
  }
  const record = settled.result.record;
  if (!record) throw new Error('a cart edit always stores a cart');
  return { items: asCart(record.value).items, version: record.version };
}

/**
 * The cart commands. Every edit is a read-modify-write of the cart document,
 * decided inside the store's transaction so concurrent edits of one cart
 * never lose each other's items.
 */
export function registerCartRoutes(scope: FastifyInstance, deps: RoutingDeps): void {
  scope.get<KeyReq>('/cmd/cart/:key', { schema: { params: KeyParams } }, async (request, reply) => {
    const route = await routeRead(deps, request, request.params.key);
    const record = await route.store.get(CART_COLLECTION, request.params.key);
    if (!record) return { items: [], version: 0 };
    reply.header('etag', etagOf(record.version));
    return { items: asCart(record.value).items, version: record.version };
  });

  scope.get<KeyReq>('/cmd/cart/:key/summary', { schema: { params: KeyParams } }, async (request) => {
    const route = await routeRead(deps, request, request.params.key);
    const record = await route.store.get(CART_COLLECTION, request.params.key);
    return { ...summarize(record ? asCart(record.value) : EMPTY_CART), version: record?.version ?? 0 };
  });

  scope.post<{ Params: Static<typeof KeyParams>; Body: Static<typeof CartItemBody> }>(
    '/cmd/cart/:key/items',
    { schema: { params: KeyParams, body: CartItemBody } },
    async (request, reply) => {
      const { key } = request.params;
      const item = request.body;
      const route = routeShard(deps, request, key, 'write');
      const settled = await runWrite(request, reply, route, {
        collection: CART_COLLECTION,
        key,
        decide: change((cart) => addItem(cart, item)),
      });
      return cartOf(settled);
    },
  );

  scope.delete<{ Params: Static<typeof ItemParams> }>(
    '/cmd/cart/:key/items/:itemId',
    { schema: { params: ItemParams } },
    async (request, reply) => {
      const { key, itemId } = request.params;
      const route = routeShard(deps, request, key, 'write');
      const settled = await runWrite(request, reply, route, {
        collection: CART_COLLECTION,
        key,
        decide: change((cart) => removeItem(cart, itemId)),
      });
      return cartOf(settled);
    },
  );

  scope.delete<KeyReq>('/cmd/cart/:key', { schema: { params: KeyParams } }, async (request, reply) => {
    const { key } = request.params;
    const route = routeShard(deps, request, key, 'write');
    // Clearing a cart that does not exist is already done: 204 either way.
    await runWrite(request, reply, route, { collection: CART_COLLECTION, key, decide: () => ({ op: 'delete' }) });
    return reply.code(204).send();
  });
}
