import { describe, expect, it } from 'vitest';
import { en } from '../src/lib/i18n/en';
import { sv } from '../src/lib/i18n/sv';
import { dictionaries, LANGUAGES, toLang, translate, type Lang, type MessageKey } from '../src/lib/i18n/index';
import { ERROR_CODES } from '../src/lib/errors';
import { SHORTCUTS } from '../src/lib/shortcuts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Words a translation may leave as English writes them: names, codes and units. A value
 *  identical to English is a forgotten translation unless every word in it is listed here (or it
 *  has no words: "{qty} ×", "—"). Keep it short: a new word needs a reason. */
const SAME_WORDS: Record<Exclude<Lang, 'en'>, string[]> = {
  nb: ['Kasse', 'DEMO', 'TEST', 'LIVE', 'Auto', 'Status', 'OK', 'Commit', 'System', 'kg', 's', 'min'],
  sv: ['Kasse', 'DEMO', 'TEST', 'Auto', 'Status', 'OK', 'Commit', 'System', 'Session', 'Version', 'kg', 's', 'min'],
};
const words = (s: string) => s.replace(/\{\w+\}/g, ' ').match(/\p{L}+/gu) ?? [];
/** The keys of `d` whose value is English's and has a word not in the language's list. */
const untranslated = (d: Record<MessageKey, string>, lang: Exclude<Lang, 'en'>) =>
  (Object.keys(en) as MessageKey[]).filter((k) => d[k] === en[k] && words(en[k]).some((w) => !SAME_WORDS[lang].includes(w)));
const others = (Object.keys(dictionaries) as Lang[]).filter((l): l is Exclude<Lang, 'en'> => l !== 'en');

describe('i18n', () => {
  it('knows the three languages, each in the Settings list', () => {
    expect(others.sort()).toEqual(['nb', 'sv']);
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual(['en', 'nb', 'sv']);
    expect(LANGUAGES.find((l) => l.code === 'sv')?.name).toBe('Svenska');
  });
  for (const lang of ['nb', 'sv'] as const) {
    it(`${lang} has every English key and no extra ones`, () => {
      const d = dictionaries[lang];
      expect(Object.keys(en).filter((k) => !(k in d)), 'missing').toEqual([]);
      expect(Object.keys(d).filter((k) => !(k in en)), 'extra').toEqual([]);
    });
    it(`${lang} translates every value that has words (except the listed same words)`, () => {
      const d = dictionaries[lang];
      expect(untranslated(d, lang)).toEqual([]);
      // Every listed word is used: the list stays as small as the tables need.
      const same = (Object.keys(en) as MessageKey[]).filter((k) => d[k] === en[k]).flatMap((k) => words(en[k]));
      expect(SAME_WORDS[lang].filter((w) => !same.includes(w))).toEqual([]);
    });
  }
  it('the check finds a value left in English, and lets names and units be', () => {
    const d = { ...sv, 'sell.charge': en['sell.charge'], 'settings.version': en['settings.version'], 'sell.per_kg': '/kg' };
    expect(untranslated(d, 'sv')).toEqual(['sell.charge']);
    expect(untranslated({ ...dictionaries.nb, 'settings.version': en['settings.version'] }, 'nb')).toEqual(['settings.version']);
  });
  it('no empty translations', () => {
    for (const lang of Object.keys(dictionaries) as Lang[]) {
      for (const [k, v] of Object.entries(dictionaries[lang])) expect(v.trim(), `${lang} ${k}`).not.toBe('');
    }
  });
  it('translations keep the same {placeholders}', () => {
    for (const k of Object.keys(en) as MessageKey[]) {
      for (const lang of others) expect(placeholders(dictionaries[lang][k]), `${lang} ${k}`).toEqual(placeholders(en[k]));
    }
  });
  it('Swedish reads Swedish', () => {
    expect(translate('sv', 'nav.sell')).toBe('Sälj');
    expect(translate('sv', 'receipt.title')).toBe('Kvitto');
    expect(translate('sv', 'detail.refund')).toBe('Återbetala');
    expect(translate('sv', 'receipt.vat', { rate: '25 %' })).toBe('Moms 25 %');
    expect(translate('sv', 'day.report_z_number', { n: 3 })).toBe('Z-rapport nr 3 — dagen stängd');
    expect(translate('sv', 'settings.account_id')).not.toBe(en['settings.account_id']);
  });
  it('every error code and every status has a message', () => {
    for (const c of ERROR_CODES) {
      expect(`error.next.${c}` in en, c).toBe(true);
      expect(`error.what.${c}` in en, c).toBe(true);
    }
    for (const s of ['creating', 'charge_failed', 'waiting', 'paying', 'on_hold', 'authorized', 'partially_captured', 'partially_captured_refunded', 'captured', 'partially_refunded', 'refunded', 'voided', 'declined', 'failed', 'cancelled', 'expired', 'unknown']) {
      expect(`status.${s}` in en, s).toBe(true);
    }
    for (const s of SHORTCUTS) expect(s.what in en).toBe(true);
  });
  it('fills parameters', () => {
    expect(translate('en', 'sell.charge_label', { amount: 'NOK 5.00' })).toBe('Charge NOK 5.00');
    expect(translate('nb', 'confirm.refund_lines', { lines: '2 × Kaffe', amount: 'kr 78,00' })).toBe('Refunder 2 × Kaffe = kr 78,00 til kundens kort.');
  });
  it('maps language tags', () => {
    expect(toLang('nb-NO')).toBe('nb');
    expect(toLang('no')).toBe('nb');
    expect(toLang('sv-SE')).toBe('sv');
    expect(toLang('de')).toBe('en');
    expect(toLang(null)).toBe('en');
  });
});
