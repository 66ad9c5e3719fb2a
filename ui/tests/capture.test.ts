import { describe, expect, it } from 'vitest';
import type { SaleSummary } from '../src/lib/bindings/SaleSummary';
import type { Settings } from '../src/lib/bindings/Settings';
import type { Fixture } from '../src/lib/replay';
import { NAMED, named, needsStaff, uncapturedKey } from '../src/lib/capture';
import { translate } from '../src/lib/i18n/index';
import { fromForm, toForm } from '../src/lib/settings-form';

const fixtures = Object.values(import.meta.glob('../src/lib/fixtures/*.json', { eager: true, import: 'default' })) as Fixture[];
const settings = fixtures.flatMap((f) => f.steps).find((s) => s.call === 'settings_get')!.answer as Settings;

function sale(n: number): SaleSummary {
  return {
    sale_id: `s${n}`,
    merchant_reference: `KASSE1-20261207-000${n}`,
    session_id: null,
    transaction_id: null,
    status: 'authorized',
    amount: 1000 * n,
    captured: 0,
    refunded: 0,
    currency: 'NOK',
    created_at: '2026-12-07T10:00:00Z',
    payment_method: null,
    uncaptured: 'not_requested',
  };
}

describe('capture at payment', () => {
  it('words why a payment is not captured, and only a capture under way needs nobody', () => {
    expect(uncapturedKey('capturing')).toBe('capture.capturing');
    expect(uncapturedKey('capture_failed')).toBe('capture.failed');
    expect(uncapturedKey('not_requested')).toBe('capture.not_requested');
    expect(uncapturedKey(null)).toBeNull();
    expect(needsStaff('capturing')).toBe(false);
    expect(needsStaff('capture_failed')).toBe(true);
    expect(needsStaff('not_requested')).toBe(true);
    expect(needsStaff(null)).toBe(false);
    expect(translate('nb', 'capture.failed')).toBe('Trekk feilet');
    expect(translate('sv', 'capture.not_requested')).toBe('Inte dragen');
  });

  it('names the first uncaptured payments before a Z report and counts the rest', () => {
    const money = (minor: number, c: string) => `${c} ${minor / 100}`;
    expect(named([sale(1), sale(2)], money)).toEqual({
      names: 'KASSE1-20261207-0001 (NOK 10), KASSE1-20261207-0002 (NOK 20)',
      more: 0,
    });
    const many = Array.from({ length: NAMED + 3 }, (_, i) => sale(i + 1));
    const w = named(many, money);
    expect(w.names.split(', ')).toHaveLength(NAMED);
    expect(w.more).toBe(3);
    expect(translate('en', 'capture.z_warning', { count: many.length, names: w.names })).toContain('not collected (8)');
    expect(translate('nb', 'capture.z_more', { more: w.more })).toBe('Og 3 til.');
  });

  it('is a setting the form shows and saves as it is', () => {
    expect(toForm({ ...settings, capture_at_payment: true }).capture_at_payment).toBe(true);
    const off = { ...toForm(settings), capture_at_payment: false };
    expect(fromForm(off, { has_secret: true }).input.capture_at_payment).toBe(false);
  });
});
