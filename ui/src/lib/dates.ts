// Dates for filters and reports: the cashier picks local calendar days; the backend gets
// RFC 3339 instants (local midnight, converted to UTC).

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

const fmt = new Map<string, Intl.DateTimeFormat>();
function f(locale: string, o: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = locale + JSON.stringify(o);
  let x = fmt.get(k);
  if (!x) fmt.set(k, (x = new Intl.DateTimeFormat(locale, o)));
  return x;
}

export function formatDateTime(iso: string, locale: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return f(locale, { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

export function formatTime(iso: string, locale: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  const today = localDay(new Date()) === localDay(d);
  return today ? f(locale, { timeStyle: 'short' }).format(d) : f(locale, { dateStyle: 'short', timeStyle: 'short' }).format(d);
}

export function formatDay(day: string, locale: string): string {
  const s = dayStart(day);
  return s ? f(locale, { dateStyle: 'medium' }).format(new Date(s)) : day;
}
