// How a sale was paid, in words: the core names the method (kasse_core::payment: a kind, and a
// card's brand and last four digits); this only words it. Brands and wallet names are names
// and read the same in every language; "Card", "Invoice", … come from the language's table.
import type { PaymentKind } from './bindings/PaymentKind';
import type { PaymentMethod } from './bindings/PaymentMethod';
import { t } from './i18n.svelte';

const NAMES: Partial<Record<PaymentKind, string>> = {
  vipps: 'Vipps',
  mobile_pay: 'MobilePay',
  swish: 'Swish',
  apple_pay: 'Apple Pay',
  google_pay: 'Google Pay',
  click_to_pay: 'Click to Pay',
  klarna: 'Klarna',
};

/** The kind of payment in words ("Vipps", "Card"/"Kort", …). */
export function paymentKindName(kind: PaymentKind): string {
  switch (kind) {
    case 'card':
      return t('pay.card');
    case 'invoice':
      return t('pay.invoice');
    case 'instalments':
      return t('pay.instalments');
    case 'other':
      return t('pay.other');
    default:
      return NAMES[kind] ?? t('pay.other');
  }
}

/** "Visa •••• 0002", "Vipps", "Card •••• 0002", "Card"; `null` when the core names none. */
export function paymentMethodName(m: PaymentMethod | null | undefined): string | null {
  if (!m) return null;
  if (m.kind !== 'card') return paymentKindName(m.kind);
  const name = m.brand ?? t('pay.card');
  return m.last4 ? `${name} •••• ${m.last4}` : name;
}
