// What the Charge screen shows in each state of a sale: its phase (the title and advice it
// says), whether the customer can still pay (QR, Pay here and the countdown), and which buttons
// it offers, so the advice can be checked against the buttons really on screen.
import type { Charge } from './bindings/Charge';
import type { LinkSent } from './bindings/LinkSent';
import type { SaleDetail } from './bindings/SaleDetail';
import type { SaleStatus } from './bindings/SaleStatus';
import { OPEN_STATUSES, PAID_STATUSES } from './state.svelte';

export type ChargePhase =
  | 'waiting' | 'paying' | 'paid' | 'declined' | 'failed' | 'cancelled' | 'expired' | 'on_hold' | 'charge_failed' | 'other';

/** A button of the Charge screen, named by its label's message key. */
export type ChargeButton =
  | 'charge.pay_here' | 'charge.park' | 'charge.cancel' | 'charge.new_sale' | 'detail.receipt'
  | 'charge.charge_again' | 'charge.back_to_cart' | 'charge.open_sale';

const SETTLED_PHASES: SaleStatus[] = ['declined', 'failed', 'cancelled', 'expired', 'on_hold', 'charge_failed'];

export function chargePhase(status: SaleStatus): ChargePhase {
  if (status === 'waiting' || status === 'creating') return 'waiting';
  if (status === 'paying') return 'paying';
  if (PAID_STATUSES.includes(status)) return 'paid';
  if (SETTLED_PHASES.includes(status)) return status as ChargePhase;
  return 'other';
}

/** The advice under the title: a sale whose link went by SMS waits for a customer who is not
 *  at the counter, so the advice is not to scan the code. */
export function chargeAdvice(phase: ChargePhase, linkSent: boolean): `charge.${string}_next` {
  if (linkSent && phase === 'waiting') return 'charge.waiting_link_next';
  return `charge.${phase}_next`;
}

/** Where the sale's payment link went: from the charge made in this session, else from the
 *  sale's log (a parked link sale opened after a restart). */
export function saleLink(charge: Pick<Charge, 'link'> | null, detail: Pick<SaleDetail, 'link'> | null): LinkSent | null {
  return charge?.link ?? detail?.link ?? null;
}

/** Whether the customer can still pay in the checkout (as the core's `pay_window::payable`):
 *  only then are the QR, Pay here and the countdown shown. */
export function payable(status: SaleStatus): boolean {
  return status === 'waiting' || status === 'paying';
}

/** The buttons shown for a sale in `status`; `canChargeAgain` when there is an order to charge. */
export function chargeButtons(status: SaleStatus, canChargeAgain: boolean): ChargeButton[] {
  if (payable(status)) return ['charge.pay_here', 'charge.park', 'charge.cancel'];
  // Open but not payable here (on hold at Dintero, or not known yet): park it and serve the next.
  if (OPEN_STATUSES.includes(status)) return ['charge.park'];
  if (PAID_STATUSES.includes(status)) return ['charge.new_sale', 'detail.receipt'];
  return canChargeAgain
    ? ['charge.charge_again', 'charge.back_to_cart', 'charge.open_sale']
    : ['charge.back_to_cart', 'charge.open_sale'];
}
