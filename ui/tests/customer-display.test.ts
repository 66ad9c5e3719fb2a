import { describe, expect, it } from 'vitest';
import type { CustomerView } from '../src/lib/bindings/CustomerView';
import type { ViewLine } from '../src/lib/bindings/ViewLine';
import { headline, quantityText, showsLines } from '../src/lib/customer-display';
import { translate } from '../src/lib/i18n/index';

const line = (quantity: string, unit: 'piece' | 'kg', unit_price = 3900): ViewLine => ({
  description: 'Coffee',
  quantity,
  unit,
  unit_price,
  amount: 7800,
  before_discount: null,
});

const view = (phase: CustomerView['phase']): CustomerView =>
  ({
    language: 'en',
    phase,
    lines: phase === 'idle' ? [] : [line('2', 'piece')],
    totals: phase === 'idle' ? null : { currency: 'NOK', amount: 7800, vat_amount: 1017, discount: 0 },
    ...(phase === 'waiting' ? { url: 'https://pay', qr_svg: '<svg/>' } : {}),
  }) as CustomerView;

describe('customer display', () => {
  it('says paid, declined and the rest in each language', () => {
    expect(translate('en', headline(view('paid')))).toBe('Paid — thank you');
    expect(translate('en', headline(view('declined')))).toBe('Declined — please try again');
    expect(translate('nb', headline(view('paid')))).toBe('Betalt — takk');
    expect(translate('nb', headline(view('declined')))).toBe('Avvist — prøv igjen');
    expect(translate('sv', headline(view('paid')))).toBe('Betalt — tack');
    expect(headline(view('idle'))).toBe('display.welcome');
    expect(headline(view('waiting'))).toBe('display.scan');
    expect(headline(view('cancelled'))).toBe('display.cancelled');
  });

  it('reads a quantity as pieces or kilograms in the language, and one piece as nothing', () => {
    expect(quantityText(line('1', 'piece'), 'NOK', 'en')).toBe('');
    expect(quantityText(line('2', 'piece'), 'NOK', 'en')).toMatch(/^2 × NOK\u00a039\.00$/);
    const kg = quantityText(line('0.512', 'kg', 4990), 'NOK', 'nb');
    expect(kg.startsWith('0,512\u00a0kg × ')).toBe(true);
    expect(kg.endsWith('/kg')).toBe(true);
    expect(kg).toContain('49,90');
  });

  it('shows lines except on the welcome', () => {
    expect(showsLines(view('idle'))).toBe(false);
    expect(showsLines(view('cart'))).toBe(true);
    expect(showsLines(view('paid'))).toBe(true);
  });
});
