import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addItem, asCart, EMPTY_CART, MAX_CART_LINES, removeItem, summarize } from '../../src/commands/cart-model.js';

describe('cart model', () => {
  it('adds a new line and merges a repeated SKU at the latest price', () => {
    const one = addItem(EMPTY_CART, { sku: 'a', qty: 2, priceCents: 100 });
    assert.deepEqual(one, { items: [{ sku: 'a', qty: 2, priceCents: 100 }] });
    if ('refused' in one) return;
    assert.deepEqual(addItem(one, { sku: 'a', qty: 1, priceCents: 90 }), { items: [{ sku: 'a', qty: 3, priceCents: 90 }] });
  });

  it('refuses a line past 99 units and a cart past its line limit', () => {
    const full = { items: [{ sku: 'a', qty: 99, priceCents: 1 }] };
    assert.equal((addItem(full, { sku: 'a', qty: 1, priceCents: 1 }) as { refused: string }).refused, 'cart-limit');
    const wide = { items: Array.from({ length: MAX_CART_LINES }, (_, i) => ({ sku: `s${i}`, qty: 1, priceCents: 1 })) };
    assert.equal((addItem(wide, { sku: 'new', qty: 1, priceCents: 1 }) as { refused: string }).refused, 'cart-limit');
    assert.equal('refused' in addItem(wide, { sku: 's0', qty: 1, priceCents: 1 }), false, 'an existing line can still grow');
  });

  it('removes a line, refuses an absent one', () => {
    const cart = { items: [{ sku: 'a', qty: 1, priceCents: 1 }, { sku: 'b', qty: 1, priceCents: 2 }] };
    assert.deepEqual(removeItem(cart, 'a'), { items: [{ sku: 'b', qty: 1, priceCents: 2 }] });
    assert.equal((removeItem(cart, 'zzz') as { refused: string }).refused, 'item-not-found');
  });

  it('summarises units, lines and total', () => {
    const cart = { items: [{ sku: 'a', qty: 3, priceCents: 250 }, { sku: 'b', qty: 2, priceCents: 1 }] };
    assert.deepEqual(summarize(cart), { itemCount: 5, lines: 2, totalCents: 752 });
    assert.deepEqual(summarize(EMPTY_CART), { itemCount: 0, lines: 0, totalCents: 0 });
  });

  it('reads anything that is not a cart document as an empty cart', () => {
    assert.deepEqual(asCart(null), EMPTY_CART);
    assert.deepEqual(asCart('text'), EMPTY_CART);
    assert.deepEqual(asCart({ items: 'no' }), EMPTY_CART);
  });
});
