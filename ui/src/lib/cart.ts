// Cart state: pure functions over an immutable list of lines. The core prices the cart
// (price_order); the cart only holds what the cashier chose.

import type { Discount } from './bindings/Discount';
import type { OrderInput } from './bindings/OrderInput';
import { addDecimal, normalizeDecimal, toScaled } from './decimal';

export type CartLine = {
  /** Local id, stable while the line exists (keys for the list, selection). */
  key: number;
  description: string;
  quantity: string;
  unit_price: number;
  vat: string;
  product_id: string | null;
  weighed: boolean;
  /** The line's own discount, as asked (the core prices it). */
  discount?: Discount | null;
};

/** `discount`: the whole order's, as asked. */
export type Cart = { lines: CartLine[]; nextKey: number; discount?: Discount | null };

export const emptyCart: Cart = { lines: [], nextKey: 1, discount: null };

export type NewLine = Omit<CartLine, 'key'>;

/** Adds a line. A counted quick item already in the cart at the same price and VAT is merged
 *  (tapping Coffee twice gives 2 × Coffee); weighed items and free amounts always get a line. */
export function addLine(cart: Cart, line: NewLine): { cart: Cart; key: number } {
  if (line.product_id !== null && !line.weighed) {
    const same = cart.lines.find(
      (l) =>
        l.product_id === line.product_id &&
        !l.weighed &&
        l.unit_price === line.unit_price &&
        l.vat === line.vat &&
        l.description === line.description &&
        !l.discount,
    );
    if (same) {
      const lines = cart.lines.map((l) =>
        l.key === same.key ? { ...l, quantity: addDecimal(l.quantity, line.quantity) } : l,
      );
      return { cart: { ...cart, lines }, key: same.key };
    }
  }
  const key = cart.nextKey;
  return { cart: { ...cart, lines: [...cart.lines, { ...line, key }], nextKey: key + 1 }, key };
}

export function removeLine(cart: Cart, key: number): Cart {
  return { ...cart, lines: cart.lines.filter((l) => l.key !== key) };
}

export function updateLine(cart: Cart, key: number, patch: Partial<NewLine>): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? { ...l, ...patch } : l)) };
}

/** Sets a quantity typed by the cashier; returns null if it is not a valid quantity. A zero
 *  quantity removes the line. */
export function setQuantity(cart: Cart, key: number, text: string): Cart | null {
  const q = normalizeDecimal(text, 3);
  if (q === null) return null;
  if (toScaled(q, 3) === 0) return removeLine(cart, key);
  return updateLine(cart, key, { quantity: q });
}

/** +1 / −1 on a counted line (whole units); at 0 the line goes. */
export function stepQuantity(cart: Cart, key: number, delta: 1 | -1): Cart {
  const line = cart.lines.find((l) => l.key === key);
  if (!line) return cart;
  const next = toScaled(line.quantity, 3) + delta * 1000;
  if (next <= 0) return removeLine(cart, key);
  return updateLine(cart, key, { quantity: addDecimal(line.quantity, delta === 1 ? '1' : '-1') });
}

export function clearCart(cart: Cart): Cart {
  return { lines: [], nextKey: cart.nextKey, discount: null };
}

/** Sets (or, with null, removes) a line's discount. */
export function setLineDiscount(cart: Cart, key: number, discount: Discount | null): Cart {
  return updateLine(cart, key, { discount });
}

/** Sets (or, with null, removes) the whole order's discount. */
export function setOrderDiscount(cart: Cart, discount: Discount | null): Cart {
  return { ...cart, discount };
}

export function itemCount(cart: Cart): number {
  return cart.lines.reduce((n, l) => n + (l.weighed ? 1 : Math.max(1, Math.round(toScaled(l.quantity, 3) / 1000))), 0);
}

export function toOrderInput(cart: Cart, currency: string | null): OrderInput {
  return {
    currency,
    lines: cart.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unit_price: l.unit_price,
      vat: l.vat,
      product_id: l.product_id,
      ...(l.discount ? { discount: l.discount } : {}),
    })),
    ...(cart.discount && cart.lines.length > 0 ? { discount: cart.discount } : {}),
  };
}
