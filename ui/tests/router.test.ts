import { describe, expect, it } from 'vitest';
import { parseHash, routeHash } from '../src/lib/router.svelte';

describe('hash routes with string sale ids', () => {
  const uuid = '3f2b8c1e-9d4a-4b7e-8f10-2a6c5d9e0b17';
  it('parses UUIDs and other opaque ids', () => {
    expect(parseHash(`#/charge/${uuid}`)).toEqual({ name: 'charge', saleId: uuid });
    expect(parseHash(`#/transactions/${uuid}`)).toEqual({ name: 'sale', saleId: uuid });
    expect(parseHash(`#/receipt/${uuid}/refund/op-7`)).toEqual({ name: 'receipt', saleId: uuid, refund: 'op-7' });
    expect(parseHash(`#/receipt/${uuid}`)).toEqual({ name: 'receipt', saleId: uuid, refund: null });
    // A refund receipt names its refund: without one, the sale is shown instead.
    expect(parseHash(`#/receipt/${uuid}/refund`)).toEqual({ name: 'sale', saleId: uuid });
    expect(parseHash('#/transactions/s-12')).toEqual({ name: 'sale', saleId: 's-12' });
  });
  it('round-trips through routeHash', () => {
    for (const r of [
      { name: 'charge', saleId: uuid },
      { name: 'sale', saleId: 's-12' },
      { name: 'receipt', saleId: uuid, refund: null },
      { name: 'receipt', saleId: uuid, refund: uuid },
    ] as const) {
      expect(parseHash(routeHash(r))).toEqual(r);
    }
  });
  it('falls back without a usable id', () => {
    expect(parseHash('#/charge/')).toEqual({ name: 'sell' });
    expect(parseHash('#/transactions/%E0%A4%A')).toEqual({ name: 'transactions' });
    expect(parseHash('#/transactions/a%20b')).toEqual({ name: 'transactions' });
  });
});
