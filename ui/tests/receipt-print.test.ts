import { describe, expect, it } from 'vitest';
import { hasPrinter, orgLine, takeAutoPrint } from '../src/lib/receipt-print';
import { fieldOfMessage } from '../src/lib/settings-form';
import type { ReceiptSettings } from '../src/lib/bindings/ReceiptSettings';

const receipt = (r: Partial<ReceiptSettings>): { receipt: ReceiptSettings } => ({
  receipt: { shop_name: '', shop_address: '', org_number: '', printer: '', paper_width: '80', auto_print: false, ...r },
});

describe('receipt printing from the screens', () => {
  it('prints the organisation number the Norwegian way', () => {
    expect(orgLine('923609016')).toBe('Org.nr 923 609 016 MVA');
  });

  it('uses the receipt printer only when one is chosen', () => {
    expect(hasPrinter(receipt({ printer: '  ' }))).toBe(false);
    expect(hasPrinter(receipt({ printer: 'tcp://10.0.0.9' }))).toBe(true);
    expect(hasPrinter(null)).toBe(false);
  });

  it('prints a paid sale by itself once, and only when asked to', () => {
    expect(takeAutoPrint(receipt({ printer: 'tcp://10.0.0.9' }), 's1')).toBe(false);
    expect(takeAutoPrint(receipt({ auto_print: true }), 's1')).toBe(false);
    const on = receipt({ printer: 'tcp://10.0.0.9', auto_print: true });
    expect(takeAutoPrint(on, 's1')).toBe(true);
    expect(takeAutoPrint(on, 's1')).toBe(false);
    expect(takeAutoPrint(on, 's2')).toBe(true);
  });

  it('marks the receipt field the core named', () => {
    expect(fieldOfMessage('receipt.org_number: the check digit does not match')).toBe('receipt.org_number');
    expect(fieldOfMessage('receipt.printer: "x" is not a printer address')).toBe('receipt.printer');
    expect(fieldOfMessage('account_id: must be T or P')).toBe('account_id');
  });
});
