// The customer display's words and figures, from the core's view (`kasse_core::display`): the
// sentence each phase says and how a line's quantity reads. Pure, so vitest checks it; the
// view itself (what is shown when) is decided by the core.

import type { CustomerView } from './bindings/CustomerView';
import type { ViewLine } from './bindings/ViewLine';
import type { Lang, MessageKey } from './i18n/index';
import { lineQuantityText } from './lines';

/** The display's big sentence for the view's phase. */
export function headline(view: CustomerView): MessageKey {
  switch (view.phase) {
    case 'idle':
      return 'display.welcome';
    case 'cart':
      return 'display.items';
    case 'waiting':
      return 'display.scan';
    case 'paid':
      return 'display.paid';
    case 'declined':
      return 'display.declined';
    case 'cancelled':
      return 'display.cancelled';
  }
}

/** "2 × kr 39,00", "0,512 kg × kr 49,90/kg" (as the cart says it); one piece says nothing. */
export function quantityText(line: ViewLine, currency: string, lang: Lang): string {
  if (line.unit === 'piece' && line.quantity === '1') return '';
  return lineQuantityText(line, currency, line.unit === 'kg', lang);
}

/** Whether the view shows the customer's lines (every phase but the welcome). */
export function showsLines(view: CustomerView): boolean {
  return view.phase !== 'idle' && view.lines.length > 0;
}
