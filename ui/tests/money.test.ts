import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatMoney, formatAmount, minorDigits, parseMajor, minorToMajorString, formatVat, decimalSeparator, currencyAffix } from '../src/lib/money';

// Intl output uses no-break spaces (U+00A0 / U+202F); compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('minor units per currency', () => {
  it('knows 2-decimal and 0-decimal currencies', () => {
    expect(minorDigits('NOK')).toBe(2);
    expect(minorDigits('SEK')).toBe(2);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('nok')).toBe(2);
  });
});

describe('formatMoney', () => {
  it('formats NOK in Norwegian with space grouping and decimal comma', () => {
    const s = plain(formatMoney(123450, 'NOK', 'nb'));
    expect(s).toContain('1 234,50');
    expect(s).toContain('kr');
  });
  it('formats NOK in English with the code and a decimal point', () => {
    expect(plain(formatMoney(123450, 'NOK', 'en'))).toBe('NOK 1,234.50');
  });
  it('formats SEK in Swedish', () => {
    const s = plain(formatMoney(99, 'SEK', 'sv'));
    expect(s).toContain('0,99');
    expect(s).toContain('kr');
  });
  it('writes amounts as Swedish does: space groups, decimal comma, kr after, a neighbour\'s krone by its code', () => {
    expect(plain(formatMoney(123450, 'SEK', 'sv'))).toBe('1 234,50 kr');
    expect(plain(formatMoney(123450, 'NOK', 'sv'))).toBe('1 234,50 NOK');
    expect(plain(formatMoney(-3900, 'SEK', 'sv'))).toMatch(/^[-−]39,00 kr$/);
    expect(plain(formatMoney(2550, 'EUR', 'sv'))).toBe('25,50 €');
    expect(plain(formatMoney(123450, 'SEK', 'nb'))).toBe('1 234,50 SEK');
    expect(plain(formatAmount(123450, 'SEK', 'sv'))).toBe('1 234,50');
    expect(decimalSeparator('sv')).toBe(',');
    expect(currencyAffix('SEK', 'sv')).toEqual({ symbol: 'kr', before: false });
    expect(currencyAffix('NOK', 'sv')).toEqual({ symbol: 'NOK', before: false });
    expect(formatVat('12.5', 'sv')).toBe('12,5 %');
  });
  it('uses the currency minor units (JPY has none)', () => {
    expect(plain(formatMoney(1234, 'JPY', 'en'))).toMatch(/1,234$/);
    expect(plain(formatMoney(1234, 'JPY', 'en'))).not.toContain('.');
  });
  it('formats zero, single øre and negatives', () => {
    expect(plain(formatMoney(0, 'NOK', 'en'))).toBe('NOK 0.00');
    expect(plain(formatMoney(1, 'NOK', 'nb'))).toContain('0,01');
    expect(plain(formatMoney(-3900, 'NOK', 'en'))).toContain('39.00');
    expect(plain(formatMoney(-3900, 'NOK', 'en'))).toMatch(/^-|−/);
  });
  it('formats large amounts exactly', () => {
    expect(plain(formatMoney(123456789012, 'NOK', 'en'))).toBe('NOK 1,234,567,890.12');
  });
  it('formatAmount leaves the currency out', () => {
    expect(plain(formatAmount(123450, 'NOK', 'nb'))).toBe('1 234,50');
  });
});

describe('parseMajor', () => {
  it('parses whole and decimal amounts with comma or point', () => {
    expect(parseMajor('49', 'NOK')).toBe(4900);
    expect(parseMajor('49,5', 'NOK')).toBe(4950);
    expect(parseMajor('49.50', 'NOK')).toBe(4950);
    expect(parseMajor('1 234,56', 'NOK')).toBe(123456);
    expect(parseMajor('0,01', 'NOK')).toBe(1);
    expect(parseMajor('100', 'JPY')).toBe(100);
  });
  it('rejects junk and too many decimals', () => {
    expect(parseMajor('', 'NOK')).toBeNull();
    expect(parseMajor('abc', 'NOK')).toBeNull();
    expect(parseMajor('1,234', 'NOK')).toBeNull();
    expect(parseMajor('1.5', 'JPY')).toBeNull();
    expect(parseMajor('-5', 'NOK')).toBeNull();
  });
  it('round-trips with minorToMajorString', () => {
    for (const m of [0, 1, 10, 99, 100, 4950, 123456]) {
      expect(parseMajor(minorToMajorString(m, 'NOK'), 'NOK')).toBe(m);
    }
    expect(minorToMajorString(4900, 'NOK')).toBe('49');
    expect(minorToMajorString(4950, 'NOK')).toBe('49.50');
  });
});

describe('decimals per language', () => {
  it('uses the language decimal separator', () => {
    expect(decimalSeparator('nb')).toBe(',');
    expect(decimalSeparator('en')).toBe('.');
    expect(formatVat('12.5', 'nb')).toBe('12,5 %');
    expect(formatVat('25', 'en')).toBe('25 %');
  });
});

describe('a currency written in letters', () => {
  const Real = Intl.NumberFormat;
  afterEach(() => {
    Intl.NumberFormat = Real;
    vi.resetModules();
  });

  it('stands apart from its number even where the platform glues them ("NOK25.50")', async () => {
    // A platform whose CLDR data has no currency spacing, as some WebKit builds: parts with
    // no literal between the code and the digits.
    class Glued extends Real {
      formatToParts(n?: number | bigint) {
        return super.formatToParts(n).filter((p) => !(p.type === 'literal' && /^\s+$/.test(p.value)));
      }
      format(n?: number | bigint) {
        return this.formatToParts(n).map((p) => p.value).join('');
      }
    }
    Intl.NumberFormat = Glued as typeof Intl.NumberFormat;
    vi.resetModules();
    const fresh = await import('../src/lib/money');
    expect(plain(fresh.formatMoney(2550, 'NOK', 'en'))).toBe('NOK 25.50');
    expect(plain(fresh.formatMoney(-3900, 'NOK', 'en'))).toMatch(/^[-−]NOK 39\.00$/);
    expect(plain(fresh.formatMoney(2550, 'NOK', 'nb'))).toMatch(/^(kr 25,50|25,50 kr)$/);
    expect(plain(fresh.formatMoney(2550, 'SEK', 'sv'))).toMatch(/^(kr 25,50|25,50 kr)$/);
    // A sign is no word: "€25.50" stays as English writes it.
    expect(plain(fresh.formatMoney(2550, 'EUR', 'en'))).toBe('€25.50');
  });

  it('stands apart from its number with the platform\'s own data, in every language', () => {
    for (const lang of ['en', 'nb', 'sv']) {
      for (const cur of ['NOK', 'SEK', 'DKK', 'USD', 'EUR']) {
        expect(formatMoney(2550, cur, lang), `${lang} ${cur}`).not.toMatch(/\p{L}\d|\d\p{L}/u);
      }
    }
  });
});
