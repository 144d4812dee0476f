import { type Static, Type } from '@sinclair/typebox';
import type { Refusal } from '../store/types.js';

/** Largest quantity of one line, as the add-item body allows it. */
export const MAX_LINE_QTY = 99;
/** Most distinct lines in one cart: keeps a cart document (and its log entries) small. */
export const MAX_CART_LINES = 100;

export const Sku = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'Stock-keeping unit; also the item id.' });

/** Body of `POST /cmd/cart/{key}/items`. */
export const CartItemBody = Type.Object(
  {
    sku: Sku,
    qty: Type.Integer({ minimum: 1, maximum: MAX_LINE_QTY }),
    priceCents: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);
export type CartItem = Static<typeof CartItemBody>;

/** The cart document as stored in the `cart` collection. */
export interface Cart {
  readonly items: readonly CartItem[];
}

export const EMPTY_CART: Cart = { items: [] };

export interface CartSummary {
  /** Units across all lines. */
  readonly itemCount: number;
  /** Distinct SKUs. */
  readonly lines: number;
  readonly totalCents: number;
}

/** Adds a line, or raises the quantity of the line with the same SKU (its price becomes the latest one). */
export function addItem(cart: Cart, item: CartItem): Cart | Refusal {
  const existing = cart.items.find((i) => i.sku === item.sku);
  if (!existing) {
    if (cart.items.length >= MAX_CART_LINES) {
      return { refused: 'cart-limit', detail: `a cart holds at most ${MAX_CART_LINES} distinct items` };
    }
    return { items: [...cart.items, item] };
  }
  const qty = existing.qty + item.qty;
  if (qty > MAX_LINE_QTY) {
    return { refused: 'cart-limit', detail: `${item.sku} would reach quantity ${qty}; the limit is ${MAX_LINE_QTY}` };
  }
  return { items: cart.items.map((i) => (i.sku === item.sku ? { ...item, qty } : i)) };
}

/** Removes the line with this SKU. */
export function removeItem(cart: Cart, sku: string): Cart | Refusal {
  if (!cart.items.some((i) => i.sku === sku)) return { refused: 'item-not-found', detail: `no item ${sku} in the cart` };
  return { items: cart.items.filter((i) => i.sku !== sku) };
}

export function summarize(cart: Cart): CartSummary {
  let itemCount = 0;
  let totalCents = 0;
  for (const i of cart.items) {
    itemCount += i.qty;
    totalCents += i.qty * i.priceCents;
  }
  return { itemCount, lines: cart.items.length, totalCents };
}

/** Reads a stored value as a cart; anything else (written through the raw API) counts as empty. */
export function asCart(value: unknown): Cart {
  const items = (value as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? { items: items as CartItem[] } : EMPTY_CART;
}
