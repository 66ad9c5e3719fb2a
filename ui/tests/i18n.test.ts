import { describe, expect, it } from 'vitest';
import { en } from '../src/lib/i18n/en';
import { nb } from '../src/lib/i18n/nb';
import { sv } from '../src/lib/i18n/sv';
import { toLang, translate } from '../src/lib/i18n/index';
import { ERROR_CODES } from '../src/lib/errors';
import { SHORTCUTS } from '../src/lib/shortcuts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('Norwegian has every English key and no extra ones', () => {
    const missing = Object.keys(en).filter((k) => !(k in nb));
    const extra = Object.keys(nb).filter((k) => !(k in en));
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
  });
  it('no empty translations', () => {
    for (const [k, v] of Object.entries(nb)) expect(v.trim(), k).not.toBe('');
    for (const [k, v] of Object.entries(en)) expect(v.trim(), k).not.toBe('');
  });
  it('translations keep the same {placeholders}', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(nb[k]), `nb ${k}`).toEqual(placeholders(en[k]));
      if (sv[k] !== undefined) expect(placeholders(sv[k]!), `sv ${k}`).toEqual(placeholders(en[k]));
    }
  });
  it('Swedish has only known keys and falls back to English', () => {
    expect(Object.keys(sv).filter((k) => !(k in en))).toEqual([]);
    expect(translate('sv', 'nav.sell')).toBe('Sälj');
    expect(translate('sv', 'settings.account_id')).toBe(en['settings.account_id']);
  });
  it('every error code and every status has a message', () => {
    for (const c of ERROR_CODES) expect(`error.next.${c}` in en).toBe(true);
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
