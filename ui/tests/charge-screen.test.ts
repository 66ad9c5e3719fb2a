import { describe, expect, it } from 'vitest';
import type { SaleStatus } from '../src/lib/bindings/SaleStatus';
import { chargeAdvice, chargeButtons, chargePhase, payable, saleLink, type ChargeButton } from '../src/lib/charge-screen';
import { translate, type Lang, type MessageKey } from '../src/lib/i18n/index';

const STATUSES: SaleStatus[] = [
  'creating', 'charge_failed', 'waiting', 'paying', 'on_hold', 'authorized', 'partially_captured',
  'partially_captured_refunded', 'captured', 'partially_refunded', 'refunded', 'voided', 'declined',
  'failed', 'cancelled', 'expired', 'unknown',
];
/** Buttons whose label the advice could name (Cancel and Open sale are everyday words). */
const NAMED: ChargeButton[] = ['charge.pay_here', 'charge.park', 'charge.new_sale', 'charge.charge_again', 'charge.back_to_cart'];
const LANGS: Lang[] = ['en', 'nb', 'sv'];

describe('the Charge screen', () => {
  it('does not ask a customer who got the link by SMS to scan the code', () => {
    for (const lang of LANGS) {
      const scan = translate(lang, chargeAdvice('waiting', false) as MessageKey);
      const link = translate(lang, chargeAdvice('waiting', true) as MessageKey);
      expect(link).not.toBe(scan);
      expect(link.toLowerCase()).not.toMatch(/scan|skann/);
    }
    expect(chargeAdvice('paid', true)).toBe('charge.paid_next');
    expect(chargeAdvice('waiting', false)).toBe('charge.waiting_next');
  });

  it('advises only buttons that are on the screen', () => {
    for (const lang of LANGS) {
      for (const status of STATUSES) {
        for (const canChargeAgain of [true, false]) {
          const shown = chargeButtons(status, canChargeAgain);
          const advice = translate(lang, `charge.${chargePhase(status)}_next` as MessageKey).toLowerCase();
          for (const b of NAMED.filter((b) => !shown.includes(b))) {
            if (b === 'charge.charge_again' && !canChargeAgain) continue; // advice may ask to charge again from the cart
            const label = translate(lang, b).toLowerCase();
            expect(advice.includes(label), `${lang} ${status}: advice names "${label}", which is not shown`).toBe(false);
          }
        }
      }
    }
  });

  it('offers the QR, Pay here and the countdown only while the customer can pay', () => {
    for (const status of STATUSES) {
      expect(chargeButtons(status, true).includes('charge.pay_here'), status).toBe(payable(status));
    }
    // On hold at Dintero: park it and serve the next customer; nothing to pay or cancel here.
    expect(payable('on_hold')).toBe(false);
    expect(chargeButtons('on_hold', true)).toEqual(['charge.park']);
    expect(translate('en', 'charge.on_hold_next')).toMatch(/Park/);
    expect(translate('nb', 'charge.on_hold_next')).toMatch(/Parker/);
  });

  it('asks to confirm a cancel with words that cannot be misread', () => {
    for (const lang of LANGS) {
      const keep = translate(lang, 'charge.keep_waiting');
      const cancel = translate(lang, 'charge.cancel_payment');
      expect(keep, lang).not.toBe(cancel);
      // Neither is the bare "Cancel" / "Go back" that read both ways.
      for (const ambiguous of ['confirm.cancel', 'charge.cancel', 'common.cancel'] as MessageKey[]) {
        expect([keep, cancel], `${lang} ${ambiguous}`).not.toContain(translate(lang, ambiguous));
      }
    }
    expect(translate('sv', 'charge.cancel_payment')).not.toBe(translate('en', 'charge.cancel_payment'));
  });

  it('says where the link went also when the sale is opened from its log', () => {
    const link = { to: '+47 ••• •• 987', status: 'sent' as const };
    expect(saleLink({ link }, null)).toEqual(link);
    expect(saleLink(null, { link })).toEqual(link);
    expect(saleLink({ link: null }, { link })).toEqual(link);
    expect(saleLink(null, { link: null })).toBeNull();
  });
});
