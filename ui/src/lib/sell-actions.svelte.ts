// What the Sell screen's keys, tiles, pad and cart do to the cart being built (the `sell` state):
// one set of actions shared by the screen's parts and its keyboard shortcuts. Amounts and rules
// come from the core (`price_order`); these only edit the cart and ask for it to be priced.

import type { QuickItem } from './bindings/QuickItem';
import { addLine, clearCart, removeLine, stepQuantity } from './cart';
import type { ApiError } from './errors';
import { emptyKeypad, keypadMinor, keypadQuantity, press, type KeypadKey } from './keypad';
import { minorDigits } from './money';
import { currency, repriceCart, sell } from './state.svelte';
import { t } from './i18n.svelte';

/** The Charge button's own state (the cart panel shows it; F2 and the button share it). */
export const charging = $state({ busy: false, error: null as ApiError | null });

/** A product the cashier can tap: a quick item, a favourite, a search result or a scanned one. */
export type Tile = Pick<QuickItem, 'id' | 'label' | 'unit_price' | 'vat'> & { weighed?: boolean };

/** The cart changed: an old charge error no longer applies, and the core prices it again. */
export function changed() {
  charging.error = null;
  void repriceCart();
}

/** After the cart changed at the keypad: nothing typed, no quantity waiting, no line selected. */
export function freshEntry() {
  sell.keypad = emptyKeypad;
  sell.pendingQty = null;
  sell.selectedKey = null;
  changed();
}

function digits(): number {
  return minorDigits(currency());
}

export function typedMinor(): number | null {
  return keypadMinor(sell.keypad, digits());
}

export function keypad(k: KeypadKey) {
  sell.keypad = press(sell.keypad, k, digits());
}

/** The amount on the keypad becomes a free line at the chosen VAT. */
export function addTypedAmount() {
  const minor = typedMinor();
  if (minor === null) return;
  sell.cart = addLine(sell.cart, {
    description: t('sell.free_line'),
    quantity: sell.pendingQty ?? '1',
    unit_price: minor,
    vat: sell.vat,
    product_id: null,
    weighed: false,
  }).cart;
  freshEntry();
}

/** "×": the number typed is the quantity of the next item. */
export function times() {
  const q = keypadQuantity(sell.keypad);
  if (q === null) return;
  sell.pendingQty = q;
  sell.keypad = emptyKeypad;
}

/** A tile tapped: added at the quantity typed before it, or asked for its weight. */
export function tapTile(q: Tile) {
  if (q.weighed) {
    // A weight typed before (e.g. "0,375 ×" or just "0,375") is used directly.
    const typed = sell.pendingQty ?? (sell.keypad.text.includes('.') ? keypadQuantity(sell.keypad) : null);
    if (typed) addTile(q, typed);
    else sell.weighing = { id: q.id, label: q.label, unit_price: q.unit_price, vat: q.vat };
    return;
  }
  const typedQty = sell.pendingQty ?? (sell.keypad.text !== '' && !sell.keypad.text.includes('.') ? keypadQuantity(sell.keypad) : null);
  addTile(q, typedQty ?? '1');
}

/** Adds `quantity` of the tile (a weight in kg for a weighed one). */
export function addTile(q: Tile, quantity: string) {
  sell.cart = addLine(sell.cart, {
    description: q.label,
    quantity,
    unit_price: q.unit_price,
    vat: q.vat,
    product_id: q.id,
    weighed: q.weighed === true,
  }).cart;
  freshEntry();
}

/** The line keys act on: the selected one, else the last added. */
export function targetKey(): number | null {
  return sell.selectedKey ?? sell.cart.lines[sell.cart.lines.length - 1]?.key ?? null;
}

export function step(key: number, d: 1 | -1) {
  sell.cart = stepQuantity(sell.cart, key, d);
  if (!sell.cart.lines.some((l) => l.key === key)) sell.selectedKey = null;
  changed();
}

export function remove(key: number) {
  sell.cart = removeLine(sell.cart, key);
  if (sell.selectedKey === key) sell.selectedKey = null;
  changed();
}

export function clearAll() {
  sell.cart = clearCart(sell.cart);
  freshEntry();
}

/** "V": the next VAT preset for typed amounts. */
export function nextVat(presets: string[]) {
  const i = presets.indexOf(sell.vat);
  sell.vat = presets[(i + 1) % presets.length]!;
}
