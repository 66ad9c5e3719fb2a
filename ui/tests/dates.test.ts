// One date format per language: Norwegian 06.12.2026, English 6 Dec 2026, on every screen that
// shows a date (the list, the sale, its receipt, the day report, its Z confirmation and its
// date fields), whatever the platform's locale data would make of a "short" date.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { flushSync } from 'svelte';
import type { Fixture } from '../src/lib/replay';
import { formatDateTime, formatDay, formatPeriod, formatTime, parseDay } from '../src/lib/dates';
import { setLang } from '../src/lib/i18n.svelte';
import { tx } from '../src/lib/tx-state.svelte';
import salesFixture from '../src/lib/fixtures/sales.json';
import { $, $$, mountApp, until } from './whole-app';

const sales = salesFixture as Fixture;
const day = (sales.steps.find((s) => s.call === 'day_report')!.args as { from: string }).from;

describe('the date format module', () => {
  const at = new Date(2026, 11, 6, 14, 5).toISOString();
  it('writes Norwegian dates as 06.12.2026 and English ones as 6 Dec 2026', () => {
    expect(formatDay('2026-12-06', 'nb')).toBe('06.12.2026');
    expect(formatDay('2026-12-06', 'en')).toBe('6 Dec 2026');
    expect(formatDay('2026-12-06', 'sv')).toBe('2026-12-06');
    expect(formatDateTime(at, 'nb')).toBe('06.12.2026 14:05');
    expect(formatDateTime(at, 'en')).toBe('6 Dec 2026 14:05');
    expect(formatDateTime(at, 'sv')).toBe('2026-12-06 14:05');
  });
  it('shows the time alone for today in a list', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 11, 6, 18, 0));
    expect(formatTime(at, 'nb')).toBe('14:05');
    vi.setSystemTime(new Date(2026, 11, 7, 9, 0));
    expect(formatTime(at, 'nb')).toBe('06.12.2026 14:05');
    expect(formatTime(at, 'en')).toBe('6 Dec 2026 14:05');
    vi.useRealTimers();
  });
  it('writes a period of whole days as its first and last day', () => {
    const midnight = (d: number) => new Date(2026, 11, d).toISOString();
    expect(formatPeriod(midnight(6), midnight(7), 'nb')).toEqual({ from: '06.12.2026', to: null });
    expect(formatPeriod(midnight(6), midnight(9), 'en')).toEqual({ from: '6 Dec 2026', to: '8 Dec 2026' });
    expect(formatPeriod(at, midnight(7), 'nb')).toEqual({ from: '06.12.2026 14:05', to: '07.12.2026 00:00' });
  });
  it('reads what a cashier types, in the language’s format or ISO, and nothing that is no day', () => {
    expect(parseDay('06.12.2026', 'nb')).toBe('2026-12-06');
    expect(parseDay('6.12.26', 'nb')).toBe('2026-12-06');
    expect(parseDay('2026-12-06', 'nb')).toBe('2026-12-06');
    expect(parseDay('6 Dec 2026', 'en')).toBe('2026-12-06');
    expect(parseDay('6 december 2026', 'en')).toBe('2026-12-06');
    expect(parseDay('2026-12-06', 'en')).toBe('2026-12-06');
    expect(parseDay('31.02.2026', 'nb')).toBeNull();
    expect(parseDay('12/06/2026', 'nb')).toBeNull();
    expect(parseDay('12/06/2026', 'en')).toBeNull();
    expect(parseDay('6 Foo 2026', 'en')).toBeNull();
    expect(parseDay('2026-12-06', 'sv')).toBe('2026-12-06');
    expect(parseDay('6 dec 2026', 'sv')).toBe('2026-12-06');
    expect(parseDay('6 maj 2026', 'sv')).toBe('2026-05-06');
    expect(parseDay('6 oktober 2026', 'sv')).toBe('2026-10-06');
    expect(parseDay('6 May 2026', 'sv')).toBeNull();
    expect(parseDay('06.12.2026', 'sv')).toBeNull();
  });
});

/** Every date written on the page, in any of the shapes a locale might give it. */
const MONTH = '(?:jan|feb|mar|apr|mai|maj|may|jun|jul|aug|sep|okt|oct|nov|des|dec)[a-zé]*\\.?';
const ANY_DATE = new RegExp(
  [`\\b\\d{1,4}[./-]\\d{1,2}[./-]\\d{2,4}\\b`, `\\b\\d{1,2}\\.? ${MONTH},? \\d{4}\\b`, `\\b${MONTH} \\d{1,2},? \\d{4}\\b`].join('|'),
  'gi',
);
const ONE_FORMAT = {
  nb: /^\d{2}\.\d{2}\.\d{4}$/,
  en: /^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$/,
  sv: /^\d{4}-\d{2}-\d{2}$/,
};

/** The dates on screen: in each piece of text and what each field holds. */
function shownDates(): string[] {
  const texts: string[] = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) texts.push(n.textContent ?? '');
  const fields = $$('input').map((i) => (i as unknown as HTMLInputElement).value);
  return [...texts, ...fields].flatMap((s) => s.match(ANY_DATE) ?? []);
}

function expectOneFormat(lang: 'nb' | 'en' | 'sv', where: string): void {
  const dates = shownDates();
  expect(dates.length, `${where}: a date is shown`).toBeGreaterThan(0);
  for (const d of dates) expect(d, `${where} (${lang})`).toMatch(ONE_FORMAT[lang]);
  expect(document.body.textContent, `${where}: 24-hour times`).not.toMatch(/\b[AP]M\b/);
}

describe.each(['nb', 'en', 'sv'] as const)('every screen in %s writes dates one way', (lang) => {
  let close = () => {};
  afterEach(() => vi.useRealTimers());
  afterAll(() => {
    close();
    setLang('en');
    tx.from = '';
    tx.to = '';
  });

  it('in the list, the sale, its receipt, the day report, its Z confirmation and its fields', async () => {
    // The day after the fixture's: the list then writes each sale's date.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.parse(day) + 36 * 3600_000));
    delete document.body.dataset.ready;
    history.replaceState(null, '', `/?lang=${lang}`);
    ({ close } = await mountApp(sales, '#/transactions'));
    await until(() => $$('[data-testid=sale-row]').length === 4, 'the list');
    expect($<HTMLInputElement>('#filter-from')!.type).toBe('text');
    expectOneFormat(lang, 'transactions');

    location.hash = `#/transactions/${sales.vars.captured}`;
    await until(() => $$('[data-testid=event]').length > 0, 'the sale');
    expectOneFormat(lang, 'sale detail');

    location.hash = `#/receipt/${sales.vars.captured}`;
    await until(() => $('#receipt') !== null, 'the receipt');
    expectOneFormat(lang, 'receipt');
    // Its VAT table names each column once (the rate apart from the VAT amount).
    const heads = $$('#receipt th').map((h) => h.textContent?.trim());
    expect(heads.length, 'receipt VAT headings').toBe(4);
    expect(new Set(heads).size, `receipt VAT headings ${heads.join(' | ')}`).toBe(4);

    // The day report opens on today: the fixture's day.
    vi.setSystemTime(new Date(day));
    location.hash = '#/day';
    await until(() => $('#report-net') !== null, 'the report');
    expect($<HTMLInputElement>('#day-from')!.value).toBe(formatDay(day.slice(0, 10), lang));
    expectOneFormat(lang, 'day report');

    $<HTMLButtonElement>('#z-report-btn')!.click();
    await until(() => $('#confirm-text') !== null, 'the Z confirmation');
    expectOneFormat(lang, 'Z confirmation');
    $<HTMLButtonElement>('#confirm-cancel-btn')!.click();
    flushSync();
  });

  it('reads a typed day in the language’s format into the filter', async () => {
    location.hash = '#/transactions';
    await until(() => $('#filter-from') !== null, 'the list');
    const input = $<HTMLInputElement>('#filter-from')!;
    input.value = lang === 'nb' ? '1.2.2041' : '1 feb 2041';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    expect(tx.from).toBe('2041-02-01');
    expect(input.value).toBe({ nb: '01.02.2041', en: '1 Feb 2041', sv: '2041-02-01' }[lang]);
    input.value = '13/25/2041';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
    flushSync();
    expect(tx.from).toBe('2041-02-01');
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
});
