import { describe, expect, it } from 'vitest';
import { productTile, REJECT_KEYS } from '../src/lib/catalog';
import { nb } from '../src/lib/i18n/nb';
import { sv } from '../src/lib/i18n/sv';
import { en } from '../src/lib/i18n/en';

describe('catalogue words and tiles', () => {
  it('words every refused-row code in en, nb and sv, each differently', () => {
    const keys = Object.values(REJECT_KEYS);
    for (const k of keys) {
      expect(en[k], k).toBeTruthy();
      expect(nb[k], k).toBeTruthy();
      expect(sv[k], k).toBeTruthy();
    }
    expect(new Set(keys.map((k) => en[k])).size).toBe(keys.length);
  });

  it('makes a product a tile with its SKU as the line id, weighed when sold by kg', () => {
    const p = { sku: 'REKER', name: 'Reker', gtin: null, price: 29900, vat: '15', unit: 'kg' as const, category: 'Fisk', favourite: false, active: true };
    expect(productTile(p)).toEqual({ id: 'REKER', label: 'Reker', unit_price: 29900, vat: '15', weighed: true });
    expect(productTile({ ...p, unit: 'piece' }).weighed).toBe(false);
  });
});
