// Payment methods in words (issue 16 defect 8): the core names the method, the UI words it in
// the cashier's language, never Dintero's product id.
import { afterAll, describe, expect, it } from 'vitest';
import type { PaymentMethod } from '../src/lib/bindings/PaymentMethod';
import { setLang } from '../src/lib/i18n.svelte';
import { paymentKindName, paymentMethodName } from '../src/lib/payment';

const card = (brand: string | null, last4: string | null): PaymentMethod => ({ kind: 'card', brand, last4 });

describe('payment methods as people say them', () => {
  afterAll(() => setLang('en'));

  it('a card by its brand and last four digits', () => {
    setLang('en');
    expect(paymentMethodName(card('Visa', '0002'))).toBe('Visa •••• 0002');
    expect(paymentMethodName(card(null, '0002'))).toBe('Card •••• 0002');
    expect(paymentMethodName(card(null, null))).toBe('Card');
    setLang('nb');
    expect(paymentMethodName(card(null, '0031'))).toBe('Kort •••• 0031');
    expect(paymentMethodName(card('Mastercard', '0031'))).toBe('Mastercard •••• 0031');
  });

  it('wallets by their names in every language, the rest in words', () => {
    for (const lang of ['en', 'nb'] as const) {
      setLang(lang);
      expect(paymentMethodName({ kind: 'vipps', brand: null, last4: null })).toBe('Vipps');
      expect(paymentMethodName({ kind: 'swish', brand: null, last4: null })).toBe('Swish');
      expect(paymentKindName('mobile_pay')).toBe('MobilePay');
      expect(paymentKindName('apple_pay')).toBe('Apple Pay');
    }
    setLang('nb');
    expect(paymentKindName('invoice')).toBe('Faktura');
    expect(paymentKindName('other')).toBe('Annet');
    setLang('en');
    expect(paymentKindName('instalments')).toBe('Instalments');
    expect(paymentMethodName(null)).toBeNull();
  });
});
