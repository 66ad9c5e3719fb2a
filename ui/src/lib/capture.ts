// Capture at payment, as the counter words it: why an authorised sale is not captured yet
// (Dintero is capturing it, its auto-capture failed, or nobody asked for one; the reason comes
// from the core, `Sale::uncaptured`), and the warning that names the authorisations staff must
// still capture before the day is closed.
import type { SaleSummary } from './bindings/SaleSummary';
import type { Uncaptured } from './bindings/Uncaptured';
import type { MessageKey } from './i18n/index';

/** The badge a list row shows beside its status; null when nothing is left to capture. */
export function uncapturedKey(u: Uncaptured | null | undefined): MessageKey | null {
  switch (u) {
    case 'capturing':
      return 'capture.capturing';
    case 'capture_failed':
      return 'capture.failed';
    case 'not_requested':
      return 'capture.not_requested';
    default:
      return null;
  }
}

/** Whether someone must capture (or void) it: everything but a capture Dintero is making. */
export function needsStaff(u: Uncaptured | null | undefined): boolean {
  return u === 'capture_failed' || u === 'not_requested';
}

/** How many sales a warning names; the rest are counted ("and 3 more"). */
export const NAMED = 5;

/** The references a warning names, each with its amount, and how many more there are. */
export function named(
  sales: SaleSummary[],
  money: (minor: number, currency: string) => string,
): { names: string; more: number } {
  const shown = sales.slice(0, NAMED).map((s) => `${s.merchant_reference} (${money(s.amount, s.currency)})`);
  return { names: shown.join(', '), more: Math.max(0, sales.length - NAMED) };
}
