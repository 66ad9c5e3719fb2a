// The one way to the backend. In the Tauri shell (withGlobalTauri: true) commands go through
// window.__TAURI__.core.invoke and events come from window.__TAURI__.event.listen. Without it
// (a plain browser via `npm run dev`, and Vitest) answers the real engine gave are replayed
// (./replay.ts): the fixture named by `?fixture=`, else `app`.
import type { CustomerView } from './bindings/CustomerView';
import type { LanStatus } from './bindings/LanStatus';
import type { About } from './bindings/About';
import type { AppInfo } from './bindings/AppInfo';
import type { Boot } from './bindings/Boot';
import type { CaptureInput } from './bindings/CaptureInput';
import type { Charge } from './bindings/Charge';
import type { Command } from './bindings/commands';
import type { ConnectionReport } from './bindings/ConnectionReport';
import type { CsvExport } from './bindings/CsvExport';
import type { DayReport } from './bindings/DayReport';
import type { ImportReport } from './bindings/ImportReport';
import type { ListQuery } from './bindings/ListQuery';
import type { Notice } from './bindings/Notice';
import type { OrderInput } from './bindings/OrderInput';
import type { PricedOrder } from './bindings/PricedOrder';
import type { Receipt } from './bindings/Receipt';
import type { ReceiptSettings } from './bindings/ReceiptSettings';
import type { RefundLine } from './bindings/RefundLine';
import type { Product } from './bindings/Product';
import type { ProductForm } from './bindings/ProductForm';
import type { RefundInput } from './bindings/RefundInput';
import type { SaleChanged } from './bindings/SaleChanged';
import type { SaleDetail } from './bindings/SaleDetail';
import type { SalePage } from './bindings/SalePage';
import type { SaleSummary } from './bindings/SaleSummary';
import type { ScanResult } from './bindings/ScanResult';
import type { Settings } from './bindings/Settings';
import type { SettingsInput } from './bindings/SettingsInput';
import type { StaffPinInput } from './bindings/StaffPinInput';
import type { SyncReport } from './bindings/SyncReport';
import { save } from '@tauri-apps/plugin-dialog';
import { toApiError } from './errors';
import { loadFixture, Replay } from './replay';

export type Unlisten = () => void;

/** What api.ts needs from a backend: Tauri's global API has exactly this shape. */
export interface Transport {
  invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown>;
  listen(event: string, handler: (payload: unknown) => void): Promise<Unlisten>;
}

type TauriGlobal = {
  core: { invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown> };
  event: { listen(event: string, handler: (e: { payload: unknown }) => void): Promise<Unlisten> };
};

function tauriGlobal(): TauriGlobal | null {
  const w = globalThis as unknown as { __TAURI__?: TauriGlobal };
  return w.__TAURI__?.core?.invoke ? w.__TAURI__ : null;
}

let transport: Transport | null = null;
let replay: Replay | null = null;
let loading: Promise<Transport> | null = null;

function pick(): Transport | Promise<Transport> {
  if (transport) return transport;
  const tauri = tauriGlobal();
  if (tauri) {
    transport = {
      invoke: (cmd, args) => tauri.core.invoke(cmd, args),
      listen: (event, handler) => tauri.event.listen(event, (e) => handler(e.payload)),
    };
    return transport;
  }
  loading ??= (async () => {
    const p = typeof location === 'undefined' ? new URLSearchParams() : new URLSearchParams(location.search);
    const r = new Replay(await loadFixture(p.get('fixture')), Number(p.get('latency') ?? 0));
    // For the customer's acts from a browser console (never in Tauri).
    if (typeof window !== 'undefined') (window as unknown as { __KASSE_REPLAY__?: Replay }).__KASSE_REPLAY__ = r;
    setTransport(r);
    return r;
  })();
  return loading;
}

/** True without the Tauri shell: answers are replayed fixtures. */
export function usingReplay(): boolean {
  return transport ? replay !== null : tauriGlobal() === null;
}

/** The replayed fixture, once in use (for dev scenarios and tests). */
export async function replayBackend(): Promise<Replay | null> {
  await pick();
  return replay;
}

/** Replaces the transport (tests). `null` resets to automatic choice. */
export function setTransport(t: Transport | null): void {
  transport = t;
  replay = t instanceof Replay ? t : null;
  if (!t) loading = null;
}

/** The mark, in sessionStorage, that this app process's start-up data was taken. */
const BOOTED = 'kasse.booted';

/**
 * What the shell handed the page before it loaded: the first screen's data, the same answers
 * `app_info`, `settings_get` and `parked` give (`window.__KASSE_BOOT__`, see src-tauri/src/lib.rs).
 * Taken once per app process: the shell hands the same start-time data to every load of the
 * page, so a reload (sessionStorage lives as long as the process's page) gets null and waits
 * for the IPC answers rather than showing what may have changed since. Null too when there is
 * none (replayed fixtures, or the shell could not read it).
 */
export function takeBoot(): Boot | null {
  const w = globalThis as unknown as { __KASSE_BOOT__?: Boot };
  const boot = w.__KASSE_BOOT__ ?? null;
  delete w.__KASSE_BOOT__;
  if (!boot) return null;
  try {
    if (sessionStorage.getItem(BOOTED)) return null;
    sessionStorage.setItem(BOOTED, '1');
  } catch {
    // No storage to remember it in: take it (a reload then shows start-time data until the
    // answers come).
  }
  return boot;
}

/** Invokes a command; rejects with an ApiError (code + message) on any failure. */
export async function call<T>(cmd: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    const t = pick();
    return (await (t instanceof Promise ? await t : t).invoke(cmd, args)) as T;
  } catch (e) {
    throw toApiError(e);
  }
}

export function listen<T>(event: string, handler: (payload: T) => void): Promise<Unlisten> {
  const t = pick();
  const on = (tr: Transport) => tr.listen(event, (p) => handler(p as T));
  return t instanceof Promise ? t.then(on) : on(t);
}

/** `args` with the staff PIN when there is one (the shell takes a missing `pin` as none). */
function pinned(args: Record<string, unknown>, pin: string | null): Record<string, unknown> {
  return pin === null ? args : { ...args, pin };
}

export const api = {
  appInfo: () => call<AppInfo>('app_info'),
  about: () => call<About>('about'),
  priceOrder: (order: OrderInput) => call<PricedOrder>('price_order', { order }),
  charge: (order: OrderInput, pin: string | null = null) => call<Charge>('charge', pinned({ order }, pin)),
  sendLink: (order: OrderInput, phone: string, key: string, pin: string | null = null) =>
    call<Charge>('send_link', pinned({ order, phone, key }, pin)),
  cancelCharge: (saleId: string) => call<SaleSummary>('cancel_charge', { saleId }),
  payHere: (saleId: string) => call<null>('pay_here', { saleId }),
  leaveCharge: (saleId: string) => call<null>('leave_charge', { saleId }),
  parked: () => call<SaleSummary[]>('parked'),
  uncaptured: () => call<SaleSummary[]>('uncaptured'),
  listSales: (query: ListQuery) => call<SalePage>('list_sales', { query }),
  saleDetail: (saleId: string) => call<SaleDetail>('sale_detail', { saleId }),
  // Capture, void and refund carry the idempotency key of the dialog that asked (`input.key`,
  // `key`): the same key again gets the first request's result and sends nothing to Dintero.
  capture: (saleId: string, input: CaptureInput) => call<SaleDetail>('capture', { saleId, input }),
  voidSale: (saleId: string, key: string, pin: string | null = null) =>
    call<SaleDetail>('void_sale', pinned({ saleId, key }, pin)),
  refund: (saleId: string, input: RefundInput) => call<SaleDetail>('refund', { saleId, input }),
  /** What refunding `lines` would give back (minor units), computed by the core. */
  refundPreview: (saleId: string, lines: RefundLine[]) => call<number>('refund_preview', { saleId, lines }),
  /** The sale's receipt (`refund` null) or that of one refund (its operation id), built by the core. */
  receipt: (saleId: string, refund: string | null) => call<Receipt>('receipt', { saleId, refund }),
  // Printing and the PDF go through the core's renderers; the offset (minutes east of UTC)
  // prints the time as this screen shows it. Each answers the printer or file it went to.
  receiptPrint: (saleId: string, refund: string | null) =>
    call<string>('receipt_print', { saleId, refund, offsetMinutes: utcOffsetMinutes() }),
  receiptPdf: (saleId: string, refund: string | null, path: string) =>
    call<string>('receipt_pdf', { saleId, refund, path, offsetMinutes: utcOffsetMinutes() }),
  printerTest: (receipt: ReceiptSettings) => call<string>('printer_test', { receipt }),
  sync: () => call<SyncReport>('sync'),
  // The Z report, the export, void, settings and PINs take the staff PIN the core asked for
  // (lib/pin.svelte.ts): null the first time.
  dayReport: (from: string, to: string, closing: boolean, pin: string | null = null) =>
    call<DayReport>('day_report', pinned({ from, to, closing }, pin)),
  // The export is written by the shell to `path`, the file chosen in the save dialog.
  exportCsv: (from: string, to: string, path: string, pin: string | null = null) =>
    call<CsvExport>('export_csv', pinned({ from, to, path }, pin)),
  exportFolder: () => call<string | null>('export_folder'),
  settingsGet: () => call<Settings>('settings_get'),
  settingsSave: (input: SettingsInput) => call<Settings>('settings_save', { input }),
  testConnection: (input: SettingsInput) => call<ConnectionReport>('test_connection', { input }),
  staffSetPin: (input: StaffPinInput) => call<Settings>('staff_set_pin', { input }),
  staffRemove: (name: string, pin: string | null) => call<Settings>('staff_remove', { name, pin }),
  // The catalogue: search, tabs, tiles and scans read it; import and add take the staff PIN the
  // core asked for (null the first time).
  catalogSearch: (text: string, category: string | null, limit: number) =>
    call<Product[]>('catalog_search', { text, category, limit }),
  catalogCategories: () => call<string[]>('catalog_categories'),
  catalogFavourites: () => call<Product[]>('catalog_favourites'),
  catalogScan: (code: string) => call<ScanResult>('catalog_scan', { code }),
  catalogImport: (file: number[], pin: string | null = null) => call<ImportReport>('catalog_import', pinned({ file }, pin)),
  // Written by the shell to `path`, the file chosen in the save dialog; the path written.
  catalogExport: (path: string) => call<string>('catalog_export', { path }),
  catalogAdd: (form: ProductForm, pin: string | null = null) => call<ImportReport>('catalog_add', pinned({ form }, pin)),
  // The customer display: its view (the display window's one command), opening its window,
  // and the counter's emptied cart (a cart with lines reaches it through price_order).
  displayView: () => call<CustomerView>('display_view'),
  // `null` only asks whether the window is open.
  displayWindow: (open: boolean | null) => call<boolean>('display_window', { open }),
  cartEmptied: () => call<null>('cart_emptied'),
  displayLan: () => call<LanStatus>('display_lan'),
  displayLanSet: (on: boolean, pin: string | null = null) => call<LanStatus>('display_lan_set', pinned({ on }, pin)),
  displayLanRenew: (pin: string | null = null) => call<LanStatus>('display_lan_renew', pinned({}, pin)),
  onDisplayChanged: (h: (v: CustomerView) => void) => listen<CustomerView>('display-changed', h),
  onDisplayWindow: (h: (open: boolean) => void) => listen<boolean>('display-window', h),
  onSaleChanged: (h: (e: SaleChanged) => void) => listen<SaleChanged>('sale-changed', h),
  onNotice: (h: (e: Notice) => void) => listen<Notice>('notice', h),
};

export type Api = typeof api;

/** This computer's offset from UTC now, minutes east (Oslo in winter: 60). */
export function utcOffsetMinutes(): number {
  return -new Date().getTimezoneOffset();
}

/** What answers the save dialog: the file chosen, or null when the person cancelled. */
export type SaveDialog = (options: { defaultPath: string; filterName: string; extension: string }) => Promise<string | null>;

/**
 * Asks where to save a file, through Tauri's dialog plugin (the native dialog, which confirms
 * overwriting). The one seam in front of it is `window.__KASSE_SAVE_DIALOG__`: WebDriver cannot
 * drive a native GTK dialog, so the end-to-end tests answer there; nothing else sets it.
 */
export async function chooseSaveFile(options: Parameters<SaveDialog>[0]): Promise<string | null> {
  const seam = (globalThis as unknown as { __KASSE_SAVE_DIALOG__?: SaveDialog }).__KASSE_SAVE_DIALOG__;
  if (seam) return seam(options);
  try {
    return await save({
      defaultPath: options.defaultPath,
      filters: [{ name: options.filterName, extensions: [options.extension] }],
    });
  } catch (e) {
    throw toApiError(e);
  }
}
