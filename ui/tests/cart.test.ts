import { describe, expect, it } from 'vitest';
import { addLine, clearCart, emptyCart, itemCount, removeLine, setQuantity, stepQuantity, toOrderInput, updateLine, type NewLine } from '../src/lib/cart';
import { addDecimal, divRound, normalizeDecimal } from '../src/lib/decimal';

const coffee: NewLine = { description: 'Coffee', quantity: '1', unit_price: 3900, vat: '15', product_id: 'coffee', weighed: false };
const candy: NewLine = { description: 'Pick & mix', quantity: '0.375', unit_price: 14900, vat: '15', product_id: 'candy', weighed: true };
const free: NewLine = { description: 'Amount', quantity: '1', unit_price: 12950, vat: '25', product_id: null, weighed: false };

describe('cart', () => {
  it('adds lines with stable keys', () => {
    let c = addLine(emptyCart, coffee).cart;
    c = addLine(c, free).cart;
    expect(c.lines.map((l) => l.key)).toEqual([1, 2]);
    expect(c.lines[1]!.unit_price).toBe(12950);
  });
  it('merges the same counted quick item into one line', () => {
    let c = addLine(emptyCart, coffee).cart;
    const r = addLine(c, coffee);
    c = r.cart;
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]!.quantity).toBe('2');
    expect(r.key).toBe(c.lines[0]!.key);
    c = addLine(c, { ...coffee, quantity: '3' }).cart;
    expect(c.lines[0]!.quantity).toBe('5');
  });
  it('never merges weighed items, free amounts, or a different VAT or price', () => {
    let c = addLine(emptyCart, candy).cart;
    c = addLine(c, candy).cart;
    c = addLine(c, free).cart;
    c = addLine(c, free).cart;
    c = addLine(c, coffee).cart;
    c = addLine(c, { ...coffee, vat: '25' }).cart;
    c = addLine(c, { ...coffee, unit_price: 4200 }).cart;
    expect(c.lines).toHaveLength(7);
  });
  it('removes and updates lines', () => {
    let c = addLine(emptyCart, coffee).cart;
    c = addLine(c, free).cart;
    c = updateLine(c, 2, { vat: '12' });
    expect(c.lines[1]!.vat).toBe('12');
    c = removeLine(c, 1);
    expect(c.lines.map((l) => l.key)).toEqual([2]);
    // keys are not reused
    c = addLine(c, coffee).cart;
    expect(c.lines.map((l) => l.key)).toEqual([2, 3]);
  });
  it('sets typed quantities, decimals for weighed goods, 0 removes', () => {
    let c = addLine(emptyCart, candy).cart;
    c = setQuantity(c, 1, '0,5')!;
    expect(c.lines[0]!.quantity).toBe('0.5');
    c = setQuantity(c, 1, '1.250')!;
    expect(c.lines[0]!.quantity).toBe('1.25');
    expect(setQuantity(c, 1, '0.0001')).toBeNull();
    expect(setQuantity(c, 1, 'abc')).toBeNull();
    expect(setQuantity(c, 1, '-1')).toBeNull();
    expect(setQuantity(c, 1, '0')!.lines).toHaveLength(0);
  });
  it('steps quantities up and down; at zero the line goes', () => {
    let c = addLine(emptyCart, coffee).cart;
    c = stepQuantity(c, 1, 1);
    expect(c.lines[0]!.quantity).toBe('2');
    c = stepQuantity(c, 1, -1);
    expect(c.lines[0]!.quantity).toBe('1');
    c = stepQuantity(c, 1, -1);
    expect(c.lines).toHaveLength(0);
    let w = addLine(emptyCart, candy).cart;
    w = stepQuantity(w, 1, 1);
    expect(w.lines[0]!.quantity).toBe('1.375');
  });
  it('clears but keeps the key counter', () => {
    let c = addLine(emptyCart, coffee).cart;
    c = clearCart(c);
    expect(c.lines).toHaveLength(0);
    expect(addLine(c, coffee).key).toBe(2);
  });
  it('counts items', () => {
    let c = addLine(emptyCart, { ...coffee, quantity: '3' }).cart;
    c = addLine(c, candy).cart;
    expect(itemCount(c)).toBe(4);
  });
  it('becomes the OrderInput the core prices', () => {
    let c = addLine(emptyCart, coffee).cart;
    c = addLine(c, candy).cart;
    expect(toOrderInput(c, 'NOK')).toEqual({
      currency: 'NOK',
      lines: [
        { description: 'Coffee', quantity: '1', unit_price: 3900, vat: '15', product_id: 'coffee' },
        { description: 'Pick & mix', quantity: '0.375', unit_price: 14900, vat: '15', product_id: 'candy' },
      ],
    });
  });
});

describe('decimal helpers', () => {
  it('normalises decimal strings', () => {
    expect(normalizeDecimal('2', 3)).toBe('2');
    expect(normalizeDecimal(' 02,500 ', 3)).toBe('2.5');
    expect(normalizeDecimal('.5', 3)).toBe('0.5');
    expect(normalizeDecimal('1.2345', 3)).toBeNull();
    expect(normalizeDecimal('', 3)).toBeNull();
    expect(normalizeDecimal('.', 3)).toBeNull();
    expect(normalizeDecimal('25.50', 2)).toBe('25.5');
  });
  it('adds exactly', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('1.375', '-1')).toBe('0.375');
  });
  it('rounds half away from zero', () => {
    expect(divRound(55875, 1000)).toBe(56);
    expect(divRound(55500, 1000)).toBe(56);
    expect(divRound(55499, 1000)).toBe(55);
    expect(divRound(-55500, 1000)).toBe(-56);
  });
});
