// Money is always an integer number of minor units (øre, cents). Formatting goes through
// Intl.NumberFormat with the currency's own number of minor units.

const digitsCache = new Map<string, number>();

/** ISO 4217 minor units as the platform's Intl knows them (NOK → 2, JPY → 0). */
export function minorDigits(currency: string): number {
  const key = currency.toUpperCase();
  let d = digitsCache.get(key);
  if (d === undefined) {
    try {
      d = new Intl.NumberFormat('en', { style: 'currency', currency: key }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      d = 2;
    }
    digitsCache.set(key, d ?? 2);
  }
  return d ?? 2;
}

const fmtCache = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, currency: string, digits: number): Intl.NumberFormat {
  const key = `${locale}|${currency}|${digits}`;
  let f = fmtCache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    } catch {
      f = new Intl.NumberFormat('en', {
        style: 'currency',
        currency: 'XXX',
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    }
    fmtCache.set(key, f);
  }
  return f;
}

/** Locale tag used for numbers: our language codes → a BCP 47 tag with a region. */
export function numberLocale(lang: string): string {
  switch (lang) {
    case 'nb':
      return 'nb-NO';
    case 'sv':
      return 'sv-SE';
    default:
      return 'en-GB';
  }
}

/** The currency each Nordic language writes as plain "kr". */
const OWN_CURRENCY: Record<string, string> = { nb: 'NOK', sv: 'SEK' };

/** The currency sign `sign` (the platform's) as the language writes it: in nb and sv only the
 *  language's own krone is "kr"; any other currency written in letters is its ISO code, as
 *  Nordic shops write a neighbour's money ("NOK" in Swedish, not CLDR's "Nkr"; "SEK" in
 *  Norwegian). A sign that is no word ("€") stays. */
function currencySign(sign: string, currency: string, lang: string): string {
  const own = OWN_CURRENCY[lang];
  return own !== undefined && currency.toUpperCase() !== own && /\p{L}/u.test(sign) ? currency.toUpperCase() : sign;
}

/** "kr 1 234,50" / "1 234,50 kr" (nb; depends on the platform's CLDR), "NOK 1,234.50" (en),
 *  "1 234,50 kr" (SEK in sv), "1 234,50 NOK" (NOK in sv). A currency written in letters (NOK,
 *  kr) is always apart from the number by a no-break space, whatever the platform's CLDR does
 *  ("NOK25.50" in some WebKit builds). */
export function formatMoney(minor: number, currency: string, lang: string): string {
  const digits = minorDigits(currency);
  const major = minor / 10 ** digits;
  const parts = formatter(numberLocale(lang), currency.toUpperCase(), digits).formatToParts(major);
  return parts
    .map((p, i) => {
      if (p.type !== 'currency') return p.value;
      const sign = currencySign(p.value, currency, lang);
      if (!/\p{L}/u.test(sign)) return sign;
      const before = parts[i - 1];
      const after = parts[i + 1];
      const lead = before && before.type !== 'literal' && before.type !== 'minusSign' ? NBSP : '';
      const trail = after && after.type !== 'literal' ? NBSP : '';
      return `${lead}${sign}${trail}`;
    })
    .join('');
}

const NBSP = '\u00a0';

const plainCache = new Map<string, Intl.NumberFormat>();

/** A number formatter without currency (one per language and number of decimals: making an
 *  Intl.NumberFormat costs far more than formatting with one). */
function plain(lang: string, digits: number | null): Intl.NumberFormat {
  const key = `${lang}|${digits}`;
  let f = plainCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(
      numberLocale(lang),
      digits === null ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits },
    );
    plainCache.set(key, f);
  }
  return f;
}

/** The amount without the currency sign, for compact columns: "1 234,50". */
export function formatAmount(minor: number, currency: string, lang: string): string {
  const digits = minorDigits(currency);
  return plain(lang, digits).format(minor / 10 ** digits);
}

/** The currency sign as the language writes it, and whether it goes before the number:
 *  ("kr", false) in nb, ("NOK", true) in en. */
export function currencyAffix(currency: string, lang: string): { symbol: string; before: boolean } {
  const parts = formatter(numberLocale(lang), currency.toUpperCase(), minorDigits(currency)).formatToParts(1);
  const i = parts.findIndex((p) => p.type === 'currency');
  const n = parts.findIndex((p) => p.type === 'integer');
  return { symbol: currencySign(parts[i]?.value ?? currency, currency, lang), before: i < n };
}

/** Decimal separator of a language ("," in nb and sv, "." in en). */
export function decimalSeparator(lang: string): string {
  const part = plain(lang, null).formatToParts(1.5).find((p) => p.type === 'decimal');
  return part?.value ?? '.';
}

/**
 * Parses a typed major-unit amount ("49", "49,5", "1 234.50") into minor units.
 * Returns null when it is not a number or has more decimals than the currency allows.
 */
export function parseMajor(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const t = text.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (t === '') return null;
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > digits) return null;
  const whole = Number(m[1]);
  const f = Number((frac + '0'.repeat(digits)).slice(0, digits) || '0');
  const v = whole * 10 ** digits + f;
  return Number.isSafeInteger(v) ? v : null;
}

/** Minor units → an editable major-unit string with a '.' separator ("49.50", "49"). */
export function minorToMajorString(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minor);
  const neg = minor < 0;
  const abs = Math.abs(minor);
  const whole = Math.floor(abs / 10 ** digits);
  const frac = String(abs % 10 ** digits).padStart(digits, '0');
  return `${neg ? '-' : ''}${whole}${/^0+$/.test(frac) ? '' : '.' + frac}`;
}

/** A decimal string ("0.375", "25.5") for display in a language ("0,375"). */
export function formatDecimal(value: string, lang: string): string {
  return decimalSeparator(lang) === ',' ? value.replace('.', ',') : value;
}

/** "25" → "25 %", "12.5" → "12,5 %" in nb. */
export function formatVat(vat: string, lang: string): string {
  return `${formatDecimal(vat, lang)} %`;
}
