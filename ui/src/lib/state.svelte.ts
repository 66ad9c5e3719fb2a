// Application state shared by the screens (Svelte 5 runes). The cart survives navigation; the
// charges started in this session are kept so a parked payment can be shown again with its QR.
import { api, takeBoot } from './api';
import type { AppInfo } from './bindings/AppInfo';
import type { Charge } from './bindings/Charge';
import type { PricedOrder } from './bindings/PricedOrder';
import type { SaleChanged } from './bindings/SaleChanged';
import type { SaleStatus } from './bindings/SaleStatus';
import type { SaleSummary } from './bindings/SaleSummary';
import type { Settings } from './bindings/Settings';
import { emptyCart, toOrderInput, type Cart } from './cart';
import { ApiError, toApiError } from './errors';
import { emptyKeypad, type Keypad } from './keypad';
import { formatMoney } from './money';
import { i18n, setLang, t } from './i18n.svelte';
import { isLang, toLang, type MessageKey } from './i18n/index';
import { router } from './router.svelte';
import { isDark, storeTheme, type Theme } from './theme';

export const OPEN_STATUSES: SaleStatus[] = ['creating', 'waiting', 'paying', 'on_hold'];
export const PAID_STATUSES: SaleStatus[] = ['authorized', 'partially_captured', 'partially_captured_refunded', 'captured', 'partially_refunded', 'refunded'];
export const FAILED_STATUSES: SaleStatus[] = ['charge_failed', 'declined', 'failed', 'cancelled', 'expired', 'voided'];

export type { Theme };

export const app = $state({
  info: null as AppInfo | null,
  settings: null as Settings | null,
  loadError: null as ApiError | null,
  parked: [] as SaleSummary[],
  /** Authorised payments staff must capture or void (counted on the Sell screen). */
  uncaptured: [] as SaleSummary[],
  theme: 'auto' as Theme,
  helpOpen: false,
  parkedOpen: false,
});

export const sell = $state({
  cart: emptyCart as Cart,
  keypad: emptyKeypad as Keypad,
  /** Quantity typed before "×", used by the next quick item. */
  pendingQty: null as string | null,
  /** VAT of the next free-amount line. */
  vat: '25',
  priced: null as PricedOrder | null,
  priceError: null as ApiError | null,
  pricing: false,
  selectedKey: null as number | null,
  /** The quick item waiting for a weight. */
  weighing: null as null | { id: string; label: string; unit_price: number; vat: string },
});

/** Charges made in this session, by sale id (they hold the QR). */
export const charges = $state<Record<string, Charge>>({});
/** Latest known status of sales the UI follows (charge screen, parked). */
export const statuses = $state<Record<string, SaleStatus>>({});

export type Toast = {
  id: number;
  level: 'info' | 'success' | 'warning' | 'error';
  message: string;
  next?: string;
  saleId?: string;
  /** Where "Open" goes: the Charge screen (to charge again) or the sale's detail. */
  open?: 'charge' | 'sale';
};
export const toasts = $state<Toast[]>([]);
let toastSeq = 1;

export function toast(t: Omit<Toast, 'id'>, ms = t.level === 'success' ? 5000 : 8000): number {
  const id = toastSeq++;
  toasts.push({ ...t, id });
  // At most three at a time: the oldest go first (they are in the list too).
  while (toasts.length > 3) toasts.shift();
  if (ms > 0) setTimeout(() => dismissToast(id), ms);
  return id;
}

export function dismissToast(id: number): void {
  const i = toasts.findIndex((x) => x.id === id);
  if (i >= 0) toasts.splice(i, 1);
}

export function currency(): string {
  return app.info?.currency ?? app.settings?.currency ?? 'NOK';
}

export function money(minor: number, cur: string = currency()): string {
  return formatMoney(minor, cur, i18n.lang);
}

export function statusLabel(s: SaleStatus): string {
  return t(`status.${s}` as MessageKey);
}

// ---- Theme ---------------------------------------------------------------------------------

export function applyTheme(theme: Theme): void {
  app.theme = theme;
  storeTheme(theme);
  showTheme();
}

// The page's palette: the chosen theme, or in `auto` the system's, followed as it changes. The
// CSS has one dark palette, on `[data-theme='dark']`.
function showTheme(): void {
  document.documentElement.dataset.theme = effectiveDark() ? 'dark' : 'light';
}

if (typeof matchMedia !== 'undefined') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (app.theme === 'auto') showTheme();
  });
}

export function effectiveDark(): boolean {
  return isDark(app.theme);
}

export function toggleTheme(): void {
  applyTheme(effectiveDark() ? 'light' : 'dark');
}

// ---- Pricing -------------------------------------------------------------------------------

let priceSeq = 0;

/** Asks the core to price the cart; the latest request wins. */
export async function repriceCart(): Promise<void> {
  const seq = ++priceSeq;
  if (sell.cart.lines.length === 0) {
    sell.priced = null;
    sell.priceError = null;
    sell.pricing = false;
    // The customer display goes back to its welcome (it keeps a sale it is showing).
    void api.cartEmptied().catch(() => {});
    return;
  }
  sell.pricing = true;
  try {
    const priced = await api.priceOrder(toOrderInput(sell.cart, currency()));
    if (seq !== priceSeq) return;
    sell.priced = priced;
    sell.priceError = null;
  } catch (e) {
    if (seq !== priceSeq) return;
    sell.priced = null;
    sell.priceError = toApiError(e);
  } finally {
    if (seq === priceSeq) sell.pricing = false;
  }
}

/** Which cart line (0-based) an error message names ("lines[1].vat: …"), if any. */
export function errorLineIndex(e: ApiError | null): number | null {
  const m = e ? /lines\[(\d+)\]/.exec(e.message) : null;
  return m ? Number(m[1]) : null;
}

// ---- Sales followed by the UI ---------------------------------------------------------------

export function rememberCharge(c: Charge): void {
  charges[c.sale_id] = c;
  // An event may have overtaken the charge's answer: never step a status back to waiting.
  if (statuses[c.sale_id] !== undefined) return;
  statuses[c.sale_id] = 'waiting';
  upsertParked({
    sale_id: c.sale_id,
    merchant_reference: c.merchant_reference,
    session_id: c.session_id,
    transaction_id: null,
    status: 'waiting',
    amount: c.amount,
    captured: 0,
    refunded: 0,
    currency: c.currency,
    created_at: new Date().toISOString(),
    payment_method: null,
    uncaptured: null,
  });
}

/** Reads the authorisations staff must capture again (after a start, or a sale that became or
 *  stopped being one). A failed read keeps the last list: it is a reminder, not a gate. */
export async function refreshUncaptured(): Promise<void> {
  try {
    app.uncaptured = await api.uncaptured();
  } catch (e) {
    console.warn('uncaptured payments could not be read', e);
  }
}

function upsertParked(s: SaleSummary): void {
  const i = app.parked.findIndex((p) => p.sale_id === s.sale_id);
  if (OPEN_STATUSES.includes(s.status)) {
    if (i >= 0) app.parked[i] = s;
    else app.parked.unshift(s);
  } else if (i >= 0) {
    app.parked.splice(i, 1);
  }
}

/** Changes that arrived while the start-up answers were on their way (see loadApp). */
let changedMeanwhile: SaleSummary[] | null = null;

/** A sale changed (event from the watcher). */
export function onSaleChanged(e: SaleChanged): void {
  const s = e.sale;
  changedMeanwhile?.push(s);
  const wasFollowed = s.sale_id in statuses || app.parked.some((p) => p.sale_id === s.sale_id);
  statuses[s.sale_id] = s.status;
  upsertParked(s);
  if (s.status === 'authorized' || e.previous === 'authorized' || app.uncaptured.some((u) => u.sale_id === s.sale_id)) {
    void refreshUncaptured();
  }
  const onScreen = router.route.name === 'charge' && router.route.saleId === s.sale_id;
  const settled = !OPEN_STATUSES.includes(s.status);
  const wasOpen = e.previous === null || OPEN_STATUSES.includes(e.previous);
  if (!onScreen && wasFollowed && settled && wasOpen) {
    const amount = money(s.amount, s.currency);
    if (PAID_STATUSES.includes(s.status)) {
      toast({ level: 'success', message: t('parked.toast_paid', { amount, ref: s.merchant_reference }), saleId: s.sale_id });
    } else {
      toast(
        {
          level: 'error',
          message: t('parked.toast_failed', { status: statusLabel(s.status), amount, ref: s.merchant_reference }),
          next: t('parked.toast_failed_next'),
          saleId: s.sale_id,
          open: 'charge',
        },
        20000,
      );
    }
  }
}

// ---- Start-up ------------------------------------------------------------------------------

let started = false;

function applyStart(info: AppInfo, settings: Settings | null, parked: SaleSummary[]): void {
  app.info = info;
  const url = typeof location !== 'undefined' ? new URLSearchParams(location.search) : null;
  const forced = url?.get('lang');
  setLang(forced && isLang(forced) ? forced : toLang(info.language));
  app.settings = settings;
  app.parked = parked;
  for (const p of parked) statuses[p.sale_id] = p.status;
  if (settings && settings.vat_presets.length > 0 && !settings.vat_presets.includes(sell.vat)) {
    sell.vat = settings.vat_presets[0]!;
  }
}

/**
 * Shows what the shell handed the page before it loaded, if anything (call before mounting):
 * the first frame is then already the Sell screen with its quick items, with no IPC round trip
 * on the way. loadApp() asks again over IPC all the same.
 */
export function applyBoot(): boolean {
  const boot = takeBoot();
  if (!boot) return false;
  applyStart(boot.info, boot.settings, boot.parked);
  return true;
}

/**
 * Loads (or, after applyBoot, refreshes) what the app shows from the backend, after subscribing
 * to its events, and then sets `body[data-ready]`. Subscribing first means no change is lost
 * between the answers and the subscription; a change that arrives while the answers are on
 * their way is newer than them and is applied again on top.
 */
export async function loadApp(): Promise<void> {
  app.loadError = null;
  try {
    if (!started) {
      started = true;
      await api.onSaleChanged(onSaleChanged);
      await api.onNotice((n) => {
        // `level` is a plain string in the binding: anything but warning/error shows as info.
        const level = n.level === 'error' || n.level === 'warning' ? n.level : 'info';
        if (level !== 'error') {
          toast({ level, message: n.message }, 8000);
          return;
        }
        // An error notice may mean the log was found changed (and is now read-only): then the
        // read-only screen says so, in the cashier's language, and the toast would only cover it.
        const show = () => toast({ level, message: n.message }, 0);
        void api.appInfo().then((i) => {
          app.info = i;
          if (!i.read_only) show();
        }, show);
      });
    }
    changedMeanwhile = [];
    const [info, settings, parked] = await Promise.all([
      api.appInfo(),
      api.settingsGet().catch(() => null),
      api.parked().catch(() => [] as SaleSummary[]),
    ]);
    const meanwhile = changedMeanwhile;
    changedMeanwhile = null;
    applyStart(info, settings, parked);
    for (const s of meanwhile) {
      statuses[s.sale_id] = s.status;
      upsertParked(s);
    }
    document.body.dataset.ready = '1';
  } catch (e) {
    changedMeanwhile = null;
    app.loadError = toApiError(e);
  }
}

/** Settings were saved: refresh what depends on them. */
export async function settingsChanged(s: Settings): Promise<void> {
  app.settings = s;
  try {
    app.info = await api.appInfo();
  } catch {
    /* keep the old info */
  }
  setLang(toLang(s.language));
  await repriceCart();
}
