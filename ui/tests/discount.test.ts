import { describe, expect, it } from 'vitest';
import { addLine, clearCart, emptyCart, setLineDiscount, setOrderDiscount, toOrderInput } from '../src/lib/cart';
import { discountInput, parseDiscount } from '../src/lib/discount';

const coffee = { description: 'Kaffe', quantity: '1', unit_price: 3900, vat: '25', product_id: 'KAFFE', weighed: false };

describe('a discount as typed', () => {
  it('reads a percentage with up to 2 decimals, never above 100', () => {
    expect(parseDiscount('percent', '12,5', 'NOK')).toEqual({ percent: '12.5' });
    expect(parseDiscount('percent', '10 %', 'NOK')).toEqual({ percent: '10' });
    expect(parseDiscount('percent', '100', 'NOK')).toEqual({ percent: '100' });
    expect(parseDiscount('percent', '100.01', 'NOK')).toBeNull();
    expect(parseDiscount('percent', '-5', 'NOK')).toBeNull();
    expect(parseDiscount('percent', '1.005', 'NOK')).toBeNull();
    expect(parseDiscount('percent', '', 'NOK')).toBeNull();
  });

  it('reads an amount off or a new price in major units as minor units', () => {
    expect(parseDiscount('amount', '9,50', 'NOK')).toEqual({ amount: 950 });
    expect(parseDiscount('price', '29', 'NOK')).toEqual({ price: 2900 });
    expect(parseDiscount('amount', '1.005', 'NOK')).toBeNull();
    expect(parseDiscount('amount', 'ti', 'NOK')).toBeNull();
  });

  it('opens the editor on what was asked', () => {
    expect(discountInput({ amount: 950 }, 'NOK')).toEqual({ mode: 'amount', text: '9.50' });
    expect(discountInput({ percent: '15' }, 'NOK')).toEqual({ mode: 'percent', text: '15' });
    expect(discountInput(null, 'NOK')).toEqual({ mode: 'percent', text: '' });
  });
});

describe('the cart carries discounts to the core', () => {
  it('sends a line discount and an order discount, and nothing when there is none', () => {
    let { cart, key } = addLine(emptyCart, coffee);
    expect(toOrderInput(cart, 'NOK')).toEqual({
      currency: 'NOK',
      lines: [{ description: 'Kaffe', quantity: '1', unit_price: 3900, vat: '25', product_id: 'KAFFE' }],
    });
    cart = setLineDiscount(cart, key, { percent: '10' });
    cart = setOrderDiscount(cart, { amount: 500 });
    const order = toOrderInput(cart, 'NOK');
    expect(order.lines[0].discount).toEqual({ percent: '10' });
    expect(order.discount).toEqual({ amount: 500 });
    // A discounted line is not merged with the next tap of the same item.
    const again = addLine(cart, coffee);
    expect(again.cart.lines).toHaveLength(2);
    expect(again.cart.discount).toEqual({ amount: 500 });
    // Removing and clearing.
    expect(toOrderInput(setLineDiscount(cart, key, null), 'NOK').lines[0].discount).toBeUndefined();
    expect(clearCart(cart).discount).toBeNull();
  });
});
