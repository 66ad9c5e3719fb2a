// Dates for filters and reports: the cashier picks local calendar days; the backend gets
// RFC 3339 instants (local midnight, converted to UTC). Every date on screen is written here.
import type { Lang } from './i18n/index';

/** "2026-11-24" for a Date, in local time. */
export function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Local midnight at the start of a "YYYY-MM-DD" day, as an RFC 3339 UTC string. */
export function dayStart(day: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Local midnight at the end of a day (the start of the next one), exclusive bound. */
export function dayEnd(day: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1);
  return isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---- Shown dates: one format per UI language ----------------------------------------------
// Written out by hand, not with Intl: the WebView's CLDR data differs between platforms and a
// locale's "short" style mixes orders (en-GB 06/12/2026, en-US 12/6/26). Norwegian writes
// 06.12.2026, English 6 Dec 2026, Swedish 2026-12-06; times are 24-hour, 14:05.

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The first three letters of each month as Swedish writes it ("6 dec 2026", "6 maj"), for
 *  reading what a cashier types; shown dates in Swedish are ISO. */
const SV_MONTHS = ['jan', 'feb', 'mar', 'apr', 'maj', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'];
const pad = (n: number) => String(n).padStart(2, '0');

function dateOf(d: Date, lang: Lang): string {
  switch (lang) {
    case 'nb':
      return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}`;
    case 'sv':
      return localDay(d);
    default:
      return `${d.getDate()} ${EN_MONTHS[d.getMonth()]} ${d.getFullYear()}`;
  }
}

const timeOf = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function parsed(iso: string): Date | null {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? null : d;
}

/** A calendar day "YYYY-MM-DD" as the cashier reads it: 06.12.2026 / 6 Dec 2026. */
export function formatDay(day: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? dateOf(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])), lang) : day;
}

/** An instant in local time: 06.12.2026 14:05 / 6 Dec 2026 14:05. */
export function formatDateTime(iso: string, lang: Lang): string {
  const d = parsed(iso);
  return d ? `${dateOf(d, lang)} ${timeOf(d)}` : iso;
}

/** An instant for a list: the time alone when it is today, else the date and time. */
export function formatTime(iso: string, lang: Lang): string {
  const d = parsed(iso);
  if (!d) return iso;
  return localDay(new Date()) === localDay(d) ? timeOf(d) : `${dateOf(d, lang)} ${timeOf(d)}`;
}

const atMidnight = (d: Date) => d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0;

/** A report's period [from, to): whole local days as days ("06.12.2026", or first and last
 *  day), anything else as date and time at both ends. */
export function formatPeriod(fromIso: string, toIso: string, lang: Lang): { from: string; to: string | null } {
  const a = parsed(fromIso);
  const b = parsed(toIso);
  if (!a || !b) return { from: fromIso, to: toIso };
  if (atMidnight(a) && atMidnight(b) && b > a) {
    const last = new Date(b.getFullYear(), b.getMonth(), b.getDate() - 1);
    const first = dateOf(a, lang);
    const end = dateOf(last, lang);
    return { from: first, to: end === first ? null : end };
  }
  return { from: formatDateTime(fromIso, lang), to: formatDateTime(toIso, lang) };
}

/** What the cashier typed in a date field, as "YYYY-MM-DD", or null when it is no day.
 *  Every language takes its own format and ISO; nb also takes 6.12.26, en "6 December 2026",
 *  sv "6 dec 2026" and "6 december 2026". */
export function parseDay(text: string, lang: Lang): string | null {
  const s = text.trim();
  let y: number, mo: number, d: number;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (m) {
    [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  } else if (lang === 'nb' && (m = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$/.exec(s))) {
    [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (m[3]!.length === 2) y += 2000;
  } else if (lang !== 'nb' && (m = /^(\d{1,2})\.? ([A-Za-z]{3,9})\.?,? (\d{4})$/.exec(s))) {
    const name = m[2]!.slice(0, 3).toLowerCase();
    const i = (lang === 'sv' ? SV_MONTHS : EN_MONTHS).findIndex((x) => x.toLowerCase() === name);
    if (i < 0) return null;
    [d, mo, y] = [Number(m[1]), i + 1, Number(m[3])];
  } else {
    return null;
  }
  const date = new Date(y, mo - 1, d);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return localDay(date);
}
