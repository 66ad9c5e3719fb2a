import { describe, expect, it } from 'vitest';
import type { QuickItem } from '../src/lib/bindings/QuickItem';
import { lineQuantityText, quantityText, soldByWeight } from '../src/lib/lines';

const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const ITEMS: QuickItem[] = [
  { id: 'apples', label: 'Epler', unit_price: 8900, vat: '15', weighed: true },
  { id: 'coffee', label: 'Kaffe', unit_price: 3900, vat: '25', weighed: false },
];

describe('a line sold by weight', () => {
  it('reads "0,375 kg × kr 89,00/kg" in Norwegian and "0.375 kg × NOK 89.00/kg" in English', () => {
    const line = { quantity: '0.375', unit_price: 8900 };
    expect(plain(lineQuantityText(line, 'NOK', true, 'nb'))).toMatch(/^0,375 kg × (kr 89,00|89,00 kr)\/kg$/);
    expect(plain(lineQuantityText(line, 'NOK', true, 'en'))).toBe('0.375 kg × NOK 89.00/kg');
  });

  it('a counted line has no unit: "2 × NOK 39.00"', () => {
    expect(plain(lineQuantityText({ quantity: '2', unit_price: 3900 }, 'NOK', false, 'en'))).toBe('2 × NOK 39.00');
    expect(quantityText('2', false, 'nb')).toBe('2');
  });

  it('is known by its quick item, or else by a quantity with decimals', () => {
    expect(soldByWeight({ quantity: '1', product_id: 'apples' }, ITEMS)).toBe(true);
    expect(soldByWeight({ quantity: '2', product_id: 'coffee' }, ITEMS)).toBe(false);
    expect(soldByWeight({ quantity: '0.375', product_id: null }, ITEMS)).toBe(true);
    expect(soldByWeight({ quantity: '0.375', product_id: 'gone' }, ITEMS)).toBe(true);
    expect(soldByWeight({ quantity: '3', product_id: null }, ITEMS)).toBe(false);
  });
});
