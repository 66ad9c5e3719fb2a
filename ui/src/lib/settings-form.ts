// The Settings form: converting Settings ↔ editable text fields, and validating them before
// settings_save (the core validates again; its errors are shown too).
import type { QuickItem } from './bindings/QuickItem';
import type { ReceiptSettings } from './bindings/ReceiptSettings';
import type { Settings } from './bindings/Settings';
import type { SettingsInput } from './bindings/SettingsInput';
import { fromScaled, normalizeDecimal, toScaled } from './decimal';
import type { MessageKey } from './i18n/index';
import { formatDecimal, minorToMajorString, parseMajor } from './money';

export type QuickItemForm = { id: string; label: string; price: string; vat: string; weighed: boolean };

export type SettingsForm = {
  account_id: string;
  client_id: string;
  client_secret: string;
  profile_id: string;
  currency: string;
  counter: string;
  language: string;
  vat_presets: string;
  quick_items: QuickItemForm[];
  /** Seconds, as the cashier types them ("1,5"); the core keeps milliseconds. */
  poll_waiting_s: string;
  poll_paying_s: string;
  /** Major units; refunds up to it need no PIN (0: every refund needs the manager's). */
  refund_limit: string;
  /** Counter sales are captured when paid (the core's `capture_at_payment`). */
  capture_at_payment: boolean;
  /** The shop on receipts and the printer, as kasse-core keeps them (it checks them on save). */
  receipt: ReceiptSettings;
  /** A percentage; discounts up to it need no PIN (0: every discount needs the manager's). */
  discount_limit: string;
};

export const ACCOUNT_ID_RE = /^[PT]\d{8}$/;

/** The poll intervals the core accepts, milliseconds. */
export const POLL_MS = { min: 200, max: 60000 } as const;

/** Milliseconds → seconds as the language writes them: 1500 → "1,5" (nb), "1.5" (en). */
export function msToSeconds(ms: number, lang: string): string {
  return formatDecimal(fromScaled(ms, 3), lang);
}

/** Typed seconds ("1,5", "0.2", "2") → whole milliseconds; null when not a number of seconds
 *  with at most 3 decimals. */
export function secondsToMs(text: string): number | null {
  const v = normalizeDecimal(text, 3);
  return v === null ? null : toScaled(v, 3);
}

export function toForm(s: Settings, lang = 'en'): SettingsForm {
  return {
    account_id: s.account_id,
    client_id: s.client_id,
    client_secret: '',
    profile_id: s.profile_id,
    currency: s.currency,
    counter: s.counter,
    language: s.language,
    vat_presets: s.vat_presets.join(' '),
    quick_items: s.quick_items.map((q) => ({
      id: q.id,
      label: q.label,
      price: minorToMajorString(q.unit_price, s.currency),
      vat: q.vat,
      weighed: q.weighed,
    })),
    poll_waiting_s: msToSeconds(s.poll_waiting_ms, lang),
    poll_paying_s: msToSeconds(s.poll_paying_ms, lang),
    refund_limit: minorToMajorString(s.refund_limit, s.currency),
    capture_at_payment: s.capture_at_payment,
    receipt: { ...s.receipt },
    discount_limit: fromScaled(s.discount_limit ?? 0, 2),
  };
}

export type FormErrors = Partial<Record<string, { key: MessageKey; params?: Record<string, string | number> }>>;

export function parseVatList(text: string): string[] | null {
  const parts = text.split(/[\s;]+|,(?=\s)|,$/).map((p) => p.trim()).filter(Boolean);
  // "25, 15, 12, 0" and "25 15 12 0" both work; "12,5" is a rate with a decimal comma.
  const out: string[] = [];
  for (const p of parts.flatMap((x) => (/^\d+,\d{1,2}$/.test(x) ? [x] : x.split(',')))) {
    if (p === '') continue;
    const v = normalizeDecimal(p, 2);
    if (v === null || toScaled(v, 2) > 10000) return null;
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function slug(label: string, taken: Set<string>): string {
  const base = label.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'item';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  return id;
}

/** Validates the form; returns the input for settings_save, or the errors per field. */
export function fromForm(
  f: SettingsForm,
  current: { has_secret: boolean },
  lang = 'en',
): { input: SettingsInput; errors: FormErrors } {
  const errors: FormErrors = {};
  const account = f.account_id.trim().toUpperCase();
  if (account !== '' && !ACCOUNT_ID_RE.test(account)) errors.account_id = { key: 'settings.account_id_invalid' };
  if (account !== '') {
    if (f.client_id.trim() === '') errors.client_id = { key: 'settings.client_id_required' };
    if (!current.has_secret && f.client_secret === '') errors.client_secret = { key: 'settings.secret_required' };
    if (f.profile_id.trim() === '') errors.profile_id = { key: 'settings.profile_required' };
  }
  const currency = f.currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) errors.currency = { key: 'settings.currency_invalid' };
  if (f.counter.trim() === '') errors.counter = { key: 'settings.counter_required' };
  const vats = parseVatList(f.vat_presets);
  if (vats === null || vats.length === 0) errors.vat_presets = { key: 'settings.vat_presets_invalid' };
  const taken = new Set(f.quick_items.map((q) => q.id).filter(Boolean));
  const items: QuickItem[] = [];
  f.quick_items.forEach((q, i) => {
    const price = parseMajor(q.price, /^[A-Z]{3}$/.test(currency) ? currency : 'NOK');
    const vat = normalizeDecimal(q.vat, 2);
    if (q.label.trim() === '' || price === null || vat === null || toScaled(vat, 2) > 10000) {
      errors[`qi_${i}`] = { key: 'settings.qi_invalid', params: { n: i + 1 } };
      return;
    }
    let id = q.id;
    if (!id) {
      id = slug(q.label, taken);
      taken.add(id);
    }
    items.push({ id, label: q.label.trim(), unit_price: price, vat, weighed: q.weighed });
  });
  const pollW = secondsToMs(f.poll_waiting_s);
  const pollP = secondsToMs(f.poll_paying_s);
  const pollOk = (n: number | null): n is number => n !== null && n >= POLL_MS.min && n <= POLL_MS.max;
  const pollInvalid = { key: 'settings.poll_invalid' as const, params: { min: msToSeconds(POLL_MS.min, lang), max: msToSeconds(POLL_MS.max, lang) } };
  if (!pollOk(pollW)) errors.poll_waiting_ms = pollInvalid;
  if (!pollOk(pollP)) errors.poll_paying_ms = pollInvalid;
  const refundLimit = parseMajor(f.refund_limit.trim() === '' ? '0' : f.refund_limit, /^[A-Z]{3}$/.test(currency) ? currency : 'NOK');
  if (refundLimit === null) errors.refund_limit = { key: 'settings.refund_limit_invalid' };
  const discountText = normalizeDecimal((f.discount_limit ?? '').trim() === '' ? '0' : f.discount_limit.replace('%', ''), 2);
  const discountLimit = discountText === null ? null : toScaled(discountText, 2);
  if (discountLimit === null || discountLimit > 10000) errors.discount_limit = { key: 'settings.discount_limit_invalid' };
  const input: SettingsInput = {
    account_id: account,
    client_id: f.client_id.trim(),
    client_secret: f.client_secret === '' ? null : f.client_secret,
    profile_id: f.profile_id.trim(),
    currency,
    counter: f.counter.trim(),
    vat_presets: vats ?? [],
    quick_items: items,
    poll_waiting_ms: pollW ?? 0,
    poll_paying_ms: pollP ?? 0,
    refund_limit: refundLimit ?? 0,
    capture_at_payment: f.capture_at_payment,
    discount_limit: discountLimit !== null && discountLimit <= 10000 ? discountLimit : 0,
    pin: null,
    language: f.language,
    receipt: { ...f.receipt, printer: f.receipt.printer.trim(), org_number: f.receipt.org_number.trim() },
  };
  return { input, errors };
}

/** Maps a core error message ("account_id: …", "receipt.org_number: …") to the form field it
 *  names. */
export function fieldOfMessage(message: string): string | null {
  const m = /^([a-z_]+(?:\.[a-z_]+)?)(?:\[(\d+)\])?/.exec(message);
  if (!m) return null;
  if (m[1] === 'quick_items' && m[2] !== undefined) return `qi_${m[2]}`;
  return m[1] ?? null;
}
