import { afterEach, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../src/lib/bindings/TimelineEntry';
import { setLang } from '../src/lib/i18n.svelte';
import { timelineText } from '../src/lib/timeline';

/** One of every entry the core sends. */
const ENTRIES: TimelineEntry[] = [
  { what: 'sale_opened', reference: 'KX-20261124-0001', amount: 12300, currency: 'NOK' },
  { what: 'checkout_created' },
  { what: 'charge_failed', why: 'answer_lost' },
  { what: 'status_seen', status: 'authorized', source: 'poll' },
  { what: 'status_seen', status: 'captured', source: 'something_new' },
  { what: 'operation_asked', op: 'refund', amount: 3500, reference: 'KX-20261124-0001-R1', by: null, reason: 'Knust kopp' },
  { what: 'operation_asked', op: 'void', amount: null, reference: 'KX-20261124-0001-V1', by: 'Mona', reason: null },
  { what: 'operation_accepted', op: 'refund' },
  { what: 'operation_done', op: 'capture' },
  { what: 'operation_refused', op: 'capture', why: 'declined' },
  { what: 'operation_answer_lost', op: 'refund' },
  { what: 'operation_checked', op: 'refund', happened: true },
  { what: 'operation_checked', op: 'refund', happened: false },
  { what: 'imported' },
  { what: 'paid_before_cancel', then: 'void' },
  { what: 'paid_as_expired' },
  { what: 'link_sent', to: '+47 ••• •• 987', status: 'sent' },
  { what: 'link_sent', to: '+47 ••• •• 987', status: 'skipped' },
  { what: 'link_sent', to: '+47 ••• •• 987', status: 'unknown' },
  { what: 'note', text: 'a remark' },
];

describe('the sale history', () => {
  afterEach(() => setLang('en'));

  it('words every entry in each language, with its facts and no raw keys', () => {
    for (const lang of ['en', 'nb'] as const) {
      setLang(lang);
      for (const e of ENTRIES) {
        const text = timelineText(e, 'NOK');
        expect(text, `${lang} ${e.what}`).not.toMatch(/timeline\.|status\.|\{/);
        expect(text.length, `${lang} ${e.what}`).toBeGreaterThan(0);
      }
    }
  });

  it('says the amounts and references, and Norwegian differs from English', () => {
    setLang('en');
    const asked = timelineText(ENTRIES[5], 'NOK');
    expect(asked).toContain('KX-20261124-0001-R1');
    expect(asked).toMatch(/35[.,]00/);
    expect(asked.startsWith('Refund')).toBe(true);
    // The refund's reason is part of the sale's history (issue 16 defect 7).
    expect(asked).toMatch(/reason: Knust kopp$/);
    expect(timelineText(ENTRIES[4], 'NOK')).not.toContain('something_new');
    expect(timelineText(ENTRIES[6], 'NOK')).toMatch(/by Mona$/);
    setLang('nb');
    expect(timelineText(ENTRIES[5], 'NOK').startsWith('Refusjon')).toBe(true);
    expect(timelineText(ENTRIES[5], 'NOK')).toMatch(/årsak: Knust kopp$/);
  });

  it('says where a payment link went, masked, and whether the SMS went out', () => {
    const link = (status: 'sent' | 'skipped' | 'failed' | 'unknown') =>
      timelineText({ what: 'link_sent', to: '+47 ••• •• 987', status }, 'NOK');
    setLang('en');
    expect(link('sent')).toBe('Payment link sent by SMS to +47 ••• •• 987');
    expect(link('failed')).toBe('Payment link by SMS to +47 ••• •• 987: not sent');
    expect(link('skipped')).toBe(link('failed'));
    expect(link('unknown')).toContain('did not say');
    setLang('nb');
    expect(link('sent')).toBe('Betalingslenke sendt på SMS til +47 ••• •• 987');
    expect(link('failed')).toContain('ikke sendt');
  });
});
