// Receipts on paper and in files, from the screens: the core lays out, renders and sends
// (kasse_core::print); this only asks, says where it went, and decides when a paid sale
// prints by itself (Settings' "print automatically", once per sale).
import { api, chooseSaveFile } from './api';
import type { Settings } from './bindings/Settings';
import { inFolder } from './export';

/** Nine digits as printed on a receipt: "Org.nr 923 609 016 MVA". */
export function orgLine(digits: string): string {
  return `Org.nr ${digits.replace(/^(\d{3})(\d{3})(\d{3})$/, '$1 $2 $3')} MVA`;
}

/** Whether receipts go to a receipt printer (else the screen's own print). */
export function hasPrinter(settings: Pick<Settings, 'receipt'> | null | undefined): boolean {
  return (settings?.receipt?.printer ?? '').trim() !== '';
}

const autoPrinted = new Set<string>();

/** Whether sale `saleId`, just seen paid, should print by itself now: automatic printing is
 *  on, a printer is chosen, and it was not printed automatically before in this window. */
export function takeAutoPrint(settings: Pick<Settings, 'receipt'> | null | undefined, saleId: string): boolean {
  if (!settings?.receipt?.auto_print || !hasPrinter(settings) || autoPrinted.has(saleId)) return false;
  autoPrinted.add(saleId);
  return true;
}

/** Asks where to save the receipt's PDF and has the core write it: the path, or null when the
 *  person cancelled. */
export async function saveReceiptPdf(saleId: string, refund: string | null, number: string, filterName: string): Promise<string | null> {
  const name = `${number.replace(/[^A-Za-z0-9_-]+/g, '-')}.pdf`;
  const path = await chooseSaveFile({ defaultPath: inFolder(await api.exportFolder(), name), filterName, extension: 'pdf' });
  if (path === null) return null;
  return api.receiptPdf(saleId, refund, path);
}
