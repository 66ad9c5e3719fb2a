// Discounts as the cashier types them: a percentage, an amount off or (on a line) a new unit
// price, turned into the core's `Discount`. What a discount takes off, the rounding and whether
// it needs the manager's PIN are the core's (price_order, charge); nothing here computes an
// amount.

import type { Discount } from './bindings/Discount';
import { normalizeDecimal, toScaled } from './decimal';
import { minorToMajorString, parseMajor } from './money';

export type DiscountMode = 'percent' | 'amount' | 'price';

/** The discount typed in `mode`, or null when the text is not one (empty, not a number, more
 *  decimals than allowed, a percentage above 100). Limits against the line or order are the
 *  core's to check. */
export function parseDiscount(mode: DiscountMode, text: string, currency: string): Discount | null {
  if (mode === 'percent') {
    const p = normalizeDecimal(text.replace('%', ''), 2);
    if (p === null || toScaled(p, 2) > 10000) return null;
    return { percent: p };
  }
  const minor = parseMajor(text, currency);
  if (minor === null) return null;
  return mode === 'amount' ? { amount: minor } : { price: minor };
}

/** The mode and editable text of a discount (for the editor opened on one). */
export function discountInput(d: Discount | null | undefined, currency: string): { mode: DiscountMode; text: string } {
  if (!d) return { mode: 'percent', text: '' };
  if ('percent' in d) return { mode: 'percent', text: d.percent };
  if ('amount' in d) return { mode: 'amount', text: minorToMajorString(d.amount, currency) };
  return { mode: 'price', text: minorToMajorString(d.price, currency) };
}
