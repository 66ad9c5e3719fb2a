// An in-memory stand-in for the Kasse shell, used when window.__TAURI__ is absent (npm run dev,
// Vitest). It answers the same commands with the same shapes and error codes, and plays the
// customer: a charged sale is visited after `visitAfterMs` and paid after `payAfterMs`.
// Demo outcomes by amount: minor units ending in 13 → declined, 66 → failed, 77 → on hold.
// Capture, void and refund need an idempotency key; a repeated key gets the first request's
// result and does nothing again. Refunds of Vipps and Swish payments are accepted (202) and stay
// in flight for `acceptedMs`; `nextOperation()` makes the next operation go in flight or lose
// its answer (outcome unknown, settled after `reconcileMs`), as the real core shows them.
// Money rules mirror kasse-core: line amount = unit_price × quantity, VAT = amount × r/(100+r),
// each rounded once, half away from zero; totals are sums of lines.
import type { AppInfo } from './bindings/AppInfo';
import type { CaptureInput } from './bindings/CaptureInput';
import type { Charge } from './bindings/Charge';
import type { TimelineEntry } from './bindings/TimelineEntry';
import { COMMANDS, type Command } from './bindings/commands';
import type { ConnectionReport } from './bindings/ConnectionReport';
import type { DayReport } from './bindings/DayReport';
import type { ListQuery } from './bindings/ListQuery';
import type { OrderInput } from './bindings/OrderInput';
import type { PricedLine } from './bindings/PricedLine';
import type { PricedOrder } from './bindings/PricedOrder';
import type { RefundInput } from './bindings/RefundInput';
import type { SaleDetail } from './bindings/SaleDetail';
import type { SaleEvent } from './bindings/SaleEvent';
import type { SalePage } from './bindings/SalePage';
import type { SaleStatus } from './bindings/SaleStatus';
import type { SaleSummary } from './bindings/SaleSummary';
import type { Settings } from './bindings/Settings';
import type { SettingsInput } from './bindings/SettingsInput';
import type { SyncReport } from './bindings/SyncReport';
import type { QuickItem } from './bindings/QuickItem';
import { divRound, fromScaled, normalizeDecimal, toScaled } from './decimal';
import { ApiError } from './errors';
import { minorDigits } from './money';

type Handler = (payload: unknown) => void;

export type FakeOptions = {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Play the customer automatically after a charge (default true). */
  autoPay?: boolean;
  visitAfterMs?: number;
  payAfterMs?: number;
  /** Simulated latency of every command (default 0: answered in a microtask). */
  latencyMs?: number;
  /** Seed a history of past sales (default true). */
  seed?: boolean;
  /** How long an operation Dintero accepted (202) stays in flight (default 20 s). */
  acceptedMs?: number;
  /** How long an operation whose answer was lost stays unknown before it is found done (default 8 s). */
  reconcileMs?: number;
};

/** What the fake does with the next capture, void or refund (see FakeBackend.nextOperation). */
export type FakeOperationOutcome = 'done' | 'in_flight' | 'unknown' | 'refused';

type FakeOp = {
  op_id: string;
  kind: 'capture' | 'void' | 'refund';
  /** Minor units (a void: what was left of the authorisation). */
  amount: number;
  /** Refunded quantities per line id (refunds of lines). */
  qty: Record<string, string>;
  reason: string | null;
  state: 'requested' | 'succeeded' | 'failed' | 'unknown' | 'in_flight' | 'reconciled';
  requested_at: string;
  key: string;
};

/** The sale detail as the fake answers it. */
export type FakeSaleDetail = SaleDetail;

type FakeSale = {
  /** Creation order (sale ids are opaque strings, so lists sort by this). */
  seq: number;
  summary: SaleSummary;
  lines: PricedLine[];
  refundedQty: Record<string, string>;
  events: SaleEvent[];
  checkoutUrl: string | null;
  expiresAt: string | null;
  timers: ReturnType<typeof setTimeout>[];
  operations: FakeOp[];
};

const OPEN: SaleStatus[] = ['creating', 'waiting', 'paying', 'on_hold'];
const PAID: SaleStatus[] = ['authorized', 'partially_captured', 'partially_captured_refunded', 'captured', 'partially_refunded', 'refunded'];

export const DEFAULT_QUICK_ITEMS: QuickItem[] = [
  { id: 'coffee', label: 'Coffee', unit_price: 3900, vat: '15', weighed: false },
  { id: 'latte', label: 'Caffè latte', unit_price: 5200, vat: '15', weighed: false },
  { id: 'tea', label: 'Tea', unit_price: 3500, vat: '15', weighed: false },
  { id: 'bun', label: 'Cinnamon bun', unit_price: 4500, vat: '15', weighed: false },
  { id: 'sandwich', label: 'Sandwich', unit_price: 8900, vat: '15', weighed: false },
  { id: 'juice', label: 'Orange juice', unit_price: 4200, vat: '15', weighed: false },
  { id: 'candy', label: 'Pick & mix', unit_price: 14900, vat: '15', weighed: true },
  { id: 'beans', label: 'Coffee beans', unit_price: 32900, vat: '15', weighed: true },
  { id: 'mug', label: 'Mug', unit_price: 14900, vat: '25', weighed: false },
  { id: 'tote', label: 'Tote bag', unit_price: 9900, vat: '25', weighed: false },
  { id: 'ticket', label: 'Bus ticket', unit_price: 4000, vat: '12', weighed: false },
  { id: 'paper', label: 'Newspaper', unit_price: 3500, vat: '0', weighed: false },
];

/** The fake's sale id for the n-th sale: UUID-shaped like the shell's (kasse-core uses v4 UUIDs),
 *  but deterministic, e.g. f4ce0000-0000-4000-8000-00000000002a. */
export function fakeSaleId(n: number): string {
  return `f4ce0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Dintero's status for an authorised transaction with these amounts (as the sandbox does). */
function paidStatus(amount: number, captured: number, refunded: number): SaleStatus {
  if (captured === 0) return 'authorized';
  const open = captured < amount;
  if (refunded === 0) return open ? 'partially_captured' : 'captured';
  if (open) return 'partially_captured_refunded';
  return refunded < captured ? 'partially_refunded' : 'refunded';
}

/** No final outcome yet: it may still take effect, so it holds back what it asked for. */
function isPendingOp(o: FakeOp): boolean {
  return o.state === 'requested' || o.state === 'unknown' || o.state === 'in_flight';
}

function err(code: ApiError['code'], message: string): ApiError {
  return new ApiError(code, message);
}

/** A QR-looking SVG (finder patterns + pseudo-random modules from the URL). Not scannable: the
 *  real one comes from kasse-core's `qrcode`. Same outer shape as the crate's SVG output. */
export function fakeQrSvg(text: string): string {
  const n = 29;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  const rnd = () => ((h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0), h & 1);
  const on = (x: number, y: number): boolean => {
    const finder = (fx: number, fy: number) => {
      const dx = x - fx, dy = y - fy;
      if (dx < -1 || dy < -1 || dx > 7 || dy > 7) return null;
      if (dx === -1 || dy === -1 || dx === 7 || dy === 7) return false;
      const m = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
      return m !== 2;
    };
    return finder(0, 0) ?? finder(n - 7, 0) ?? finder(0, n - 7) ?? (y === 6 || x === 6 ? (x + y) % 2 === 0 : rnd() === 1);
  };
  const q = 4; // quiet zone
  const size = n + 2 * q;
  let d = '';
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (on(x, y)) d += `M${x + q} ${y + q}h1v1h-1z`;
  return `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${size * 8}" height="${size * 8}" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h${size}v${size}H0z"/><path fill="#000" d="${d}"/></svg>`;
}

export class FakeBackend {
  private sales = new Map<string, FakeSale>();
  private handlers = new Map<string, Set<Handler>>();
  private nextId = 1;
  private opts: Required<FakeOptions>;
  private secret: string | null = null;
  private pin: string | null = null;
  private nextOutcome: FakeOperationOutcome | null = null;
  settings: Settings;
  appInfo: AppInfo;
  /** Commands received, for tests: [cmd, args]. */
  readonly calls: [string, Record<string, unknown> | undefined][] = [];

  constructor(opts: FakeOptions = {}) {
    this.opts = {
      now: opts.now ?? (() => Date.now()),
      autoPay: opts.autoPay ?? true,
      visitAfterMs: opts.visitAfterMs ?? 3000,
      payAfterMs: opts.payAfterMs ?? 6500,
      latencyMs: opts.latencyMs ?? 0,
      seed: opts.seed ?? true,
      acceptedMs: opts.acceptedMs ?? 20_000,
      reconcileMs: opts.reconcileMs ?? 8_000,
    };
    this.settings = {
      account_id: '',
      client_id: '',
      has_secret: false,
      profile_id: 'default',
      currency: 'NOK',
      counter: 'Counter 1',
      vat_presets: ['25', '15', '12', '0'],
      quick_items: DEFAULT_QUICK_ITEMS.map((q) => ({ ...q })),
      poll_waiting_ms: 1000,
      poll_paying_ms: 250,
      refund_pin_set: false,
      language: 'en',
    };
    this.appInfo = {
      mode: 'demo',
      account_id: null,
      counter: 'Counter 1',
      counter_id: 'KDEMO2',
      currency: 'NOK',
      version: '0.1.0-dev (fake backend)',
      secret_storage: 'none',
      language: 'en',
    };
    if (this.opts.seed) this.seedHistory();
  }

  /** Options from the page URL in dev: ?autopay=0, ?lang=nb (see README). */
  static optionsFromLocation(): FakeOptions {
    if (typeof location === 'undefined') return {};
    const p = new URLSearchParams(location.search);
    return {
      autoPay: p.get('autopay') !== '0',
      latencyMs: Number(p.get('latency') ?? 60),
    };
  }

  // ---- Transport --------------------------------------------------------------------------

  async invoke(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    this.calls.push([cmd, args]);
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw err('internal', `Unknown command ${cmd}`);
    const result = this.dispatch(cmd as Command, args ?? {});
    // A deep copy, as if it crossed the IPC boundary as JSON.
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  }

  listen(event: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return Promise.resolve(() => set!.delete(handler));
  }

  emit(event: string, payload: unknown): void {
    for (const h of this.handlers.get(event) ?? []) h(JSON.parse(JSON.stringify(payload)));
  }

  private dispatch(cmd: Command, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case 'app_info':
        return this.appInfo;
      case 'price_order':
        return this.priceOrder(a.order as OrderInput);
      case 'charge':
        return this.charge(a.order as OrderInput);
      case 'cancel_charge':
        return this.cancelCharge(this.idArg(a));
      case 'pay_here':
        return this.payHere(this.idArg(a));
      case 'parked':
        return [...this.sales.values()]
          .filter((s) => OPEN.includes(s.summary.status))
          .sort((x, y) => y.seq - x.seq)
          .map((s) => s.summary);
      case 'list_sales':
        return this.listSales(a.query as ListQuery);
      case 'sale_detail':
        return this.detail(this.get(this.idArg(a)));
      case 'capture':
        return this.capture(this.idArg(a), a.input as CaptureInput);
      case 'void_sale':
        return this.void(this.idArg(a), a.key);
      case 'refund':
        return this.refund(this.idArg(a), a.input as RefundInput);
      case 'sync':
        return this.sync();
      case 'day_report':
        return this.dayReport(String(a.from), String(a.to), Boolean(a.closing));
      case 'export_csv':
        return this.exportCsv(String(a.from), String(a.to));
      case 'settings_get':
        return this.settings;
      case 'settings_save':
        return this.saveSettings(a.input as SettingsInput);
      case 'test_connection':
        return this.testConnection(a.input as SettingsInput);
      default: {
        // Every command has its case: a new one fails to compile here until it does.
        const unhandled: never = cmd;
        throw err('internal', `Unknown command ${String(unhandled)}`);
      }
    }
  }

  private idArg(a: Record<string, unknown>): string {
    const id = a.saleId;
    if (typeof id !== 'string' || id === '') throw err('invalid_input', 'saleId: expected a sale id');
    return id;
  }

  private get(id: string): FakeSale {
    const s = this.sales.get(id);
    if (!s) throw err('not_found', `Sale ${id} was not found`);
    return s;
  }

  private iso(ms = this.opts.now()): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** Sync settles the operations whose answer was lost (found done); in-flight ones stay until
   *  Dintero finishes them. */
  private sync(): SyncReport {
    let reconciled = [...this.sales.values()].filter((s) => OPEN.includes(s.summary.status)).length;
    for (const s of this.sales.values()) {
      for (const op of s.operations) {
        if (op.state === 'requested' || op.state === 'unknown') {
          this.complete(s, op);
          reconciled++;
        }
      }
    }
    return { imported: 0, updated: 0, reconciled };
  }

  // ---- Orders and money ------------------------------------------------------------------

  priceOrder(order: OrderInput): PricedOrder {
    const currency = (order.currency ?? this.settings.currency).toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) throw err('invalid_input', `currency: "${currency}" is not a currency code`);
    if (!Array.isArray(order.lines)) throw err('invalid_input', 'lines: expected a list');
    if (order.lines.length > 100) throw err('invalid_input', 'lines: at most 100 lines per order');
    const lines: PricedLine[] = order.lines.map((l, i) => {
      const where = `lines[${i}]`;
      const description = (l.description ?? '').trim();
      if (description === '') throw err('invalid_input', `${where}.description: must not be empty`);
      if (description.length > 200) throw err('invalid_input', `${where}.description: at most 200 characters`);
      const q = normalizeDecimal(String(l.quantity), 3);
      if (q === null || toScaled(q, 3) <= 0) throw err('invalid_input', `${where}.quantity: must be above 0 with at most 3 decimals`);
      if (toScaled(q, 3) > 1_000_000_000) throw err('invalid_input', `${where}.quantity: too large`);
      if (!Number.isSafeInteger(l.unit_price) || l.unit_price < 0) throw err('invalid_input', `${where}.unit_price: must be a whole number of minor units, 0 or more`);
      const vat = normalizeDecimal(String(l.vat), 2);
      if (vat === null || toScaled(vat, 2) > 10000) throw err('invalid_input', `${where}.vat: must be a rate from 0 to 100 with at most 2 decimals`);
      const amount = divRound(l.unit_price * toScaled(q, 3), 1000);
      const vr = toScaled(vat, 2);
      const vat_amount = divRound(amount * vr, 10000 + vr);
      return { line_id: String(i + 1), description, product_id: l.product_id ?? null, quantity: q, unit_price: l.unit_price, vat, amount, vat_amount };
    });
    const amount = lines.reduce((s, l) => s + l.amount, 0);
    if (amount > 10_000_000_000) throw err('invalid_input', 'amount: the order total is too large');
    return { currency, lines, amount, vat_amount: lines.reduce((s, l) => s + l.vat_amount, 0) };
  }

  private reference(seq: number): string {
    const n = /(\d+)\s*$/.exec(this.settings.counter)?.[1] ?? '1';
    return `K${n}-${String(seq).padStart(6, '0')}`;
  }

  private newSale(priced: PricedOrder, status: SaleStatus, createdMs: number): FakeSale {
    const seq = this.nextId++;
    const id = fakeSaleId(seq);
    const sid = `T${String(11_000_000 + seq * 7919).padStart(8, '0')}.${(createdMs / 1000).toString(36).slice(0, 6)}${seq}`;
    const s: FakeSale = {
      seq,
      summary: {
        sale_id: id,
        merchant_reference: this.reference(seq),
        session_id: sid,
        transaction_id: null,
        status,
        amount: priced.amount,
        captured: 0,
        refunded: 0,
        currency: priced.currency,
        created_at: this.iso(createdMs),
        payment_product: null,
      },
      lines: priced.lines,
      refundedQty: {},
      events: [],
      checkoutUrl: `https://checkout.sandbox.local/v1/view/${sid}`,
      expiresAt: this.iso(createdMs + 15 * 60_000),
      timers: [],
      operations: [],
    };
    this.sales.set(id, s);
    return s;
  }

  private event(s: FakeSale, kind: string, entry: TimelineEntry, atMs = this.opts.now()): void {
    s.events.push({ seq: s.events.length + 1, at: this.iso(atMs), kind, entry });
  }

  private setStatus(s: FakeSale, status: SaleStatus, emit = true): void {
    const previous = s.summary.status;
    if (previous === status) return;
    s.summary.status = status;
    if (emit) this.emit('sale-changed', { sale: s.summary, previous });
  }

  charge(order: OrderInput): Charge {
    const priced = this.priceOrder(order);
    if (priced.lines.length === 0) throw err('invalid_input', 'lines: the order has no lines');
    if (priced.amount <= 0) throw err('invalid_input', 'amount: the total must be above 0');
    const s = this.newSale(priced, 'waiting', this.opts.now());
    this.event(s, 'session_created', { what: 'checkout_created' });
    if (this.opts.autoPay) {
      this.later(s, this.opts.visitAfterMs, () => this.visit(s.summary.sale_id));
      this.later(s, this.opts.payAfterMs, () => this.pay(s.summary.sale_id));
    }
    this.later(s, 15 * 60_000, () => this.expire(s.summary.sale_id));
    return {
      sale_id: s.summary.sale_id,
      session_id: s.summary.session_id!,
      url: s.checkoutUrl!,
      qr_svg: fakeQrSvg(s.checkoutUrl!),
      merchant_reference: s.summary.merchant_reference,
      amount: priced.amount,
      vat_amount: priced.vat_amount,
      currency: priced.currency,
      expires_at: s.expiresAt!,
    };
  }

  private later(s: FakeSale, ms: number, f: () => void): void {
    s.timers.push(setTimeout(f, ms));
  }

  private stopTimers(s: FakeSale): void {
    for (const t of s.timers) clearTimeout(t);
    s.timers = [];
  }

  /** The customer opened the checkout. */
  visit(saleId: string): void {
    const s = this.sales.get(saleId);
    if (!s || s.summary.status !== 'waiting') return;
    this.event(s, 'status_observed', { what: 'status_seen', status: 'paying', source: 'poll' });
    this.setStatus(s, 'paying');
  }

  /** The customer finished paying; the outcome follows the amount unless given, and the payment
   *  method follows the sale (Visa, Mastercard, Vipps in turn) unless given. */
  pay(saleId: string, outcome?: 'authorized' | 'captured' | 'declined' | 'failed' | 'on_hold', product?: string): void {
    const s = this.sales.get(saleId);
    if (!s || !['waiting', 'paying', 'on_hold'].includes(s.summary.status)) return;
    if (s.summary.status === 'waiting') this.visit(saleId);
    const cents = s.summary.amount % 100;
    const o = outcome ?? (cents === 13 ? 'declined' : cents === 66 ? 'failed' : cents === 77 ? 'on_hold' : 'authorized');
    this.stopTimers(s);
    s.summary.transaction_id = this.transactionId(s);
    s.summary.payment_product = product ?? ['visa', 'mastercard', 'vipps'][s.seq % 3]!;
    if (o === 'authorized' || o === 'captured') {
      this.event(s, 'status_observed', { what: 'status_seen', status: 'authorized', source: 'poll' });
      if (o === 'captured') {
        s.summary.captured = s.summary.amount;
        this.event(s, 'status_observed', { what: 'status_seen', status: 'captured', source: 'poll' });
      }
    } else {
      this.event(s, 'status_observed', { what: 'status_seen', status: o, source: 'poll' });
    }
    this.setStatus(s, o);
  }

  private transactionId(s: FakeSale): string {
    return `T${String(11_000_000 + s.seq).padStart(8, '0')}.5${s.seq.toString(36).padStart(6, 'x')}`;
  }

  expire(saleId: string): void {
    const s = this.sales.get(saleId);
    if (!s || !['waiting', 'paying'].includes(s.summary.status)) return;
    this.stopTimers(s);
    this.event(s, 'status_observed', { what: 'status_seen', status: 'expired', source: 'poll' });
    this.setStatus(s, 'expired');
  }

  private cancelCharge(id: string): SaleSummary {
    const s = this.get(id);
    if (s.summary.status === 'cancelled') return s.summary;
    if (!OPEN.includes(s.summary.status)) {
      throw err('invalid_state', `Sale ${s.summary.merchant_reference} is ${s.summary.status} and can no longer be cancelled`);
    }
    this.stopTimers(s);
    this.event(s, 'status_observed', { what: 'status_seen', status: 'cancelled', source: 'operation' });
    this.setStatus(s, 'cancelled');
    return s.summary;
  }

  private payHere(id: string): null {
    const s = this.get(id);
    if (!['waiting', 'paying'].includes(s.summary.status)) {
      throw err('invalid_state', `Sale ${s.summary.merchant_reference} is not waiting for payment`);
    }
    this.stopTimers(s);
    this.later(s, 400, () => this.visit(id));
    this.later(s, 2500, () => this.pay(id));
    return null;
  }

  // ---- After the sale --------------------------------------------------------------------

  /** Quantities per line of refunds not finished yet (as kasse-core's pending_refund_quantities). */
  private pendingRefundQty(s: FakeSale): Record<string, string> {
    const out: Record<string, string> = {};
    for (const o of s.operations) {
      if (o.kind !== 'refund' || !isPendingOp(o)) continue;
      for (const [k, q] of Object.entries(o.qty)) out[k] = fromScaled(toScaled(out[k] ?? '0', 3) + toScaled(q, 3), 3);
    }
    return out;
  }

  /** What the sale's operations without a final outcome still hold back, of one kind. */
  private pendingAmount(s: FakeSale, kind: FakeOp['kind']): number {
    return s.operations.filter((o) => o.kind === kind && isPendingOp(o)).reduce((n, o) => n + o.amount, 0);
  }

  private detail(s: FakeSale): FakeSaleDetail {
    const st = s.summary.status;
    const authorizedLike = st === 'authorized' || st === 'partially_captured';
    const capturableLike = authorizedLike || st === 'partially_captured_refunded';
    // As kasse-core: pending operations count against what is left; a pending void leaves nothing.
    const voidPending = s.operations.some((o) => o.kind === 'void' && isPendingOp(o));
    return {
      sale: s.summary,
      lines: s.lines,
      refunded_quantities: s.refundedQty,
      pending_refund_quantities: this.pendingRefundQty(s),
      capturable: capturableLike && !voidPending ? Math.max(0, s.summary.amount - s.summary.captured - this.pendingAmount(s, 'capture')) : 0,
      refundable: Math.max(0, s.summary.captured - s.summary.refunded - this.pendingAmount(s, 'refund')),
      can_void: authorizedLike,
      checkout_url: OPEN.includes(st) ? s.checkoutUrl : null,
      expires_at: OPEN.includes(st) ? s.expiresAt : null,
      events: s.events,
      operations: s.operations.map((o, i) => ({
        op_id: o.op_id,
        kind: o.kind,
        state: o.state,
        amount: o.amount,
        reference: `${s.summary.merchant_reference}-${o.kind.charAt(0).toUpperCase()}${i + 1}`,
        requested_at: o.requested_at,
        applied: o.state === 'succeeded' || o.state === 'reconciled' ? true : o.state === 'failed' ? false : null,
      })),
    };
  }

  /** The next capture, void or refund is done at once, accepted by Dintero and left in flight
   *  (for `acceptedMs`), loses its answer (unknown for `reconcileMs`, then found done), or is
   *  refused by Dintero. One operation only; then the defaults apply again. */
  nextOperation(outcome: FakeOperationOutcome): void {
    this.nextOutcome = outcome;
  }

  /** Completes the sale's in-flight and unknown operations now, as Dintero's completion events
   *  or a sync would. */
  settle(saleId: string): void {
    const s = this.sales.get(saleId);
    if (!s) return;
    for (const op of s.operations) if (isPendingOp(op)) this.complete(s, op);
  }

  /** The request's idempotency key: required, as the shell requires it. */
  private key(key: unknown): string {
    if (typeof key !== 'string' || key.trim() === '') {
      throw err('invalid_input', 'key: an operation needs the idempotency key of the press that asked for it');
    }
    return key;
  }

  /** For a key used before on this sale, the first request's result (nothing is done again);
   *  null for a new key. */
  private replay(s: FakeSale, key: string): FakeSaleDetail | null {
    const op = s.operations.find((o) => o.key === key);
    if (!op) return null;
    if (op.state === 'requested' || op.state === 'unknown') throw this.stillChecking(op);
    if (op.state === 'failed') {
      throw err('invalid_state', `This ${op.kind} was already asked for and did not happen; nothing new was sent`);
    }
    return this.detail(s);
  }

  private stillChecking(op: FakeOp): ApiError {
    return err('invalid_state', `The outcome of an earlier ${op.kind} on this sale is still being checked with Dintero; try again in a minute (or run sync)`);
  }

  /** Nothing new is sent on a sale while an earlier operation's outcome is unknown. */
  private refuseWhileUnknown(s: FakeSale): void {
    const op = s.operations.find((o) => o.state === 'requested' || o.state === 'unknown');
    if (op) throw this.stillChecking(op);
  }

  /** Records an operation and plays Dintero's answer to it. */
  private operate(s: FakeSale, op: Omit<FakeOp, 'op_id' | 'state' | 'requested_at'>, accepted: boolean): FakeSaleDetail {
    const outcome = this.nextOutcome ?? (accepted ? 'in_flight' : 'done');
    this.nextOutcome = null;
    const o: FakeOp = { ...op, op_id: `op-${s.seq}-${s.operations.length + 1}`, state: 'requested', requested_at: this.iso() };
    s.operations.push(o);
    switch (outcome) {
      case 'done':
        this.complete(s, o);
        return this.detail(s);
      case 'refused':
        o.state = 'failed';
        this.event(s, 'operation_failed', { what: 'operation_refused', op: o.kind, message: 'refused by Dintero' });
        throw err('dintero', `Dintero refused the ${o.kind}`);
      case 'in_flight':
        o.state = 'in_flight';
        this.event(s, 'operation_accepted', { what: 'operation_accepted', op: o.kind });
        this.emit('sale-changed', { sale: s.summary, previous: s.summary.status });
        this.later(s, this.opts.acceptedMs, () => this.complete(s, o));
        return this.detail(s);
      case 'unknown':
        o.state = 'unknown';
        this.event(s, 'operation_unknown', { what: 'operation_answer_lost', op: o.kind });
        this.later(s, this.opts.reconcileMs, () => this.complete(s, o));
        throw err('outcome_unknown', `Dintero's answer was lost (timed out); Kasse will check the result before anything is retried`);
    }
  }

  /** The operation took effect (at once, or when Dintero finished it / it was found done). */
  private complete(s: FakeSale, op: FakeOp): void {
    if (!isPendingOp(op)) return;
    const later = op.state !== 'requested';
    op.state = op.state === 'unknown' ? 'reconciled' : 'succeeded';
    if (op.kind === 'capture') {
      s.summary.captured += op.amount;
      this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'capture' });
    } else if (op.kind === 'void') {
      this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'void' });
    } else {
      for (const [k, q] of Object.entries(op.qty)) {
        s.refundedQty[k] = fromScaled(toScaled(s.refundedQty[k] ?? '0', 3) + toScaled(q, 3), 3);
      }
      s.summary.refunded += op.amount;
      this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'refund' });
    }
    const previous = s.summary.status;
    const next = op.kind === 'void' ? 'voided' : paidStatus(s.summary.amount, s.summary.captured, s.summary.refunded);
    this.setStatus(s, next);
    // Finished later: the screen showing the sale learns it even when the status stays the same.
    if (later && previous === next) this.emit('sale-changed', { sale: s.summary, previous });
  }

  private capture(id: string, input: CaptureInput): SaleDetail {
    const s = this.get(id);
    const key = this.key(input.key);
    const first = this.replay(s, key);
    if (first) return first;
    this.refuseWhileUnknown(s);
    const d = this.detail(s);
    if (d.capturable <= 0) throw err('invalid_state', `Sale ${s.summary.merchant_reference} has nothing to capture`);
    const a = input.amount ?? d.capturable;
    if (!Number.isSafeInteger(a) || a <= 0) throw err('invalid_input', 'amount: must be above 0');
    if (a > d.capturable) throw err('amount_exceeds', `amount: at most ${d.capturable} can be captured`);
    return this.operate(s, { kind: 'capture', amount: a, qty: {}, reason: null, key }, false);
  }

  private void(id: string, rawKey: unknown): SaleDetail {
    const s = this.get(id);
    const key = this.key(rawKey);
    const first = this.replay(s, key);
    if (first) return first;
    this.refuseWhileUnknown(s);
    const d = this.detail(s);
    if (!d.can_void || s.operations.some(isPendingOp)) {
      throw err('invalid_state', `Sale ${s.summary.merchant_reference} cannot be voided`);
    }
    return this.operate(s, { kind: 'void', amount: s.summary.amount - s.summary.captured, qty: {}, reason: null, key }, false);
  }

  private refund(id: string, input: RefundInput): SaleDetail {
    const s = this.get(id);
    if (this.pin !== null) {
      if (!input.pin) throw err('pin_required', 'A staff PIN is required for refunds');
      if (input.pin !== this.pin) throw err('pin_wrong', 'The staff PIN is wrong');
    }
    const key = this.key(input.key);
    const first = this.replay(s, key);
    if (first) return first;
    this.refuseWhileUnknown(s);
    const d = this.detail(s);
    if (d.refundable <= 0) throw err('invalid_state', `Sale ${s.summary.merchant_reference} has nothing captured to refund`);
    let amount: number;
    const qty: Record<string, string> = {};
    if (input.lines.length > 0) {
      if (input.amount !== null) throw err('invalid_input', 'amount: give either an amount or lines, not both');
      amount = 0;
      for (const [i, rl] of input.lines.entries()) {
        const line = s.lines.find((l) => l.line_id === rl.line_id);
        if (!line) throw err('invalid_input', `lines[${i}].line_id: no line ${rl.line_id} in this sale`);
        const q = normalizeDecimal(String(rl.quantity), 3);
        if (q === null || toScaled(q, 3) <= 0) throw err('invalid_input', `lines[${i}].quantity: must be above 0`);
        // Refunded, and asked for in refunds still in flight.
        const done =
          toScaled(s.refundedQty[line.line_id] ?? '0', 3) +
          s.operations.filter((o) => o.kind === 'refund' && isPendingOp(o)).reduce((n, o) => n + toScaled(o.qty[line.line_id] ?? '0', 3), 0);
        if (done + toScaled(q, 3) > toScaled(line.quantity, 3)) {
          throw err('amount_exceeds', `lines[${i}].quantity: at most ${fromScaled(toScaled(line.quantity, 3) - done, 3)} of ${line.description} can be refunded`);
        }
        qty[line.line_id] = q;
        amount += toScaled(q, 3) === toScaled(line.quantity, 3) ? line.amount : divRound(line.unit_price * toScaled(q, 3), 1000);
      }
    } else {
      amount = input.amount ?? d.refundable;
    }
    if (!Number.isSafeInteger(amount) || amount <= 0) throw err('invalid_input', 'amount: must be above 0');
    if (amount > d.refundable) throw err('amount_exceeds', `amount: at most ${d.refundable} can be refunded`);
    // Vipps and Swish refunds are asynchronous at Dintero: accepted now, done minutes later.
    const accepted = /vipps|swish/i.test(s.summary.payment_product ?? '');
    return this.operate(s, { kind: 'refund', amount, qty, reason: input.reason, key }, accepted);
  }

  private listSales(q: ListQuery): SalePage {
    const limit = Math.min(Math.max(q.limit || 50, 1), 500);
    const search = (q.search ?? '').trim().toLowerCase();
    const searchMinor = /^\d+([.,]\d{1,2})?$/.test(search)
      ? Math.round(Number(search.replace(',', '.')) * 10 ** minorDigits(this.settings.currency))
      : null;
    const seqOf = (s: SaleSummary) => this.sales.get(s.sale_id)!.seq;
    let items = [...this.sales.values()].map((s) => s.summary);
    items = items.filter((s) => {
      if (search) {
        const hit =
          s.merchant_reference.toLowerCase().includes(search) ||
          (s.transaction_id ?? '').toLowerCase().includes(search) ||
          (s.session_id ?? '').toLowerCase().includes(search) ||
          (searchMinor !== null && s.amount === searchMinor);
        if (!hit) return false;
      }
      if (q.statuses.length && !q.statuses.includes(s.status)) return false;
      if (q.from && s.created_at < q.from) return false;
      if (q.to && s.created_at >= q.to) return false;
      if (q.amount_min !== null && s.amount < q.amount_min) return false;
      if (q.amount_max !== null && s.amount > q.amount_max) return false;
      return true;
    });
    items.sort((x, y) => (x.created_at === y.created_at ? seqOf(y) - seqOf(x) : x.created_at < y.created_at ? 1 : -1));
    if (q.cursor) {
      // The cursor is opaque to the UI: created_at|seq of the last row shown.
      const [at, seq] = q.cursor.split('|');
      items = items.filter((s) => s.created_at < at! || (s.created_at === at && seqOf(s) < Number(seq)));
    }
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page, next_cursor: items.length > limit && last ? `${last.created_at}|${seqOf(last)}` : null };
  }

  private inRange(from: string, to: string): FakeSale[] {
    return [...this.sales.values()].filter((s) => s.summary.created_at >= from && s.summary.created_at < to);
  }

  private dayReport(from: string, to: string, closing: boolean): DayReport {
    const sales = this.inRange(from, to);
    const byStatus = new Map<SaleStatus, { count: number; amount: number }>();
    const byVat = new Map<string, { gross: number; vat_amount: number }>();
    const byProduct = new Map<string, { count: number; amount: number }>();
    let captured = 0, refunded = 0, paid = 0;
    for (const s of sales) {
      const st = byStatus.get(s.summary.status) ?? { count: 0, amount: 0 };
      st.count++; st.amount += s.summary.amount;
      byStatus.set(s.summary.status, st);
      if (!PAID.includes(s.summary.status)) continue;
      paid++;
      captured += s.summary.captured;
      refunded += s.summary.refunded;
      for (const l of s.lines) {
        const v = byVat.get(l.vat) ?? { gross: 0, vat_amount: 0 };
        v.gross += l.amount; v.vat_amount += l.vat_amount;
        byVat.set(l.vat, v);
      }
      const p = byProduct.get(s.summary.payment_product ?? 'unknown') ?? { count: 0, amount: 0 };
      p.count++; p.amount += s.summary.amount;
      byProduct.set(s.summary.payment_product ?? 'unknown', p);
    }
    return {
      from, to, closing, currency: this.settings.currency,
      by_status: [...byStatus].map(([status, v]) => ({ status, ...v })),
      by_vat: [...byVat].sort((a, b) => toScaled(b[0], 2) - toScaled(a[0], 2)).map(([vat, v]) => ({ vat, ...v })),
      by_product: [...byProduct].map(([payment_product, v]) => ({ payment_product, ...v })),
      sales: paid, captured, refunded, net: captured - refunded,
    };
  }

  private exportCsv(from: string, to: string): string {
    const rows = ['sale_id,merchant_reference,created_at,status,amount,captured,refunded,currency,payment_product,transaction_id'];
    for (const s of this.inRange(from, to).sort((a, b) => a.seq - b.seq)) {
      const m = s.summary;
      rows.push([m.sale_id, m.merchant_reference, m.created_at, m.status, m.amount, m.captured, m.refunded, m.currency, m.payment_product ?? '', m.transaction_id ?? ''].join(','));
    }
    return rows.join('\n') + '\n';
  }

  // ---- Settings --------------------------------------------------------------------------

  private validate(input: SettingsInput): void {
    if (input.account_id !== '' && !/^[PT]\d{8}$/.test(input.account_id)) {
      throw err('invalid_input', 'account_id: must be T or P followed by 8 digits, e.g. T12345678');
    }
    if (!/^[A-Z]{3}$/.test(input.currency)) throw err('invalid_input', 'currency: must be a three-letter code');
    for (const v of input.vat_presets) {
      const n = normalizeDecimal(v, 2);
      if (n === null || toScaled(n, 2) > 10000) throw err('invalid_input', `vat_presets: "${v}" is not a VAT rate`);
    }
    if (input.refund_pin !== null && input.refund_pin !== '' && !/^\d{4,8}$/.test(input.refund_pin)) {
      throw err('invalid_input', 'refund_pin: must be 4 to 8 digits');
    }
  }

  private saveSettings(input: SettingsInput): Settings {
    this.validate(input);
    if (input.client_secret !== null) this.secret = input.client_secret === '' ? null : input.client_secret;
    if (input.refund_pin !== null) this.pin = input.refund_pin === '' ? null : input.refund_pin;
    const { client_secret: _s, refund_pin: _p, ...rest } = input;
    this.settings = { ...rest, has_secret: this.secret !== null, refund_pin_set: this.pin !== null };
    this.appInfo = {
      ...this.appInfo,
      mode: input.account_id === '' ? 'demo' : input.account_id.startsWith('P') ? 'live' : 'test',
      account_id: input.account_id || null,
      counter: input.counter,
      currency: input.currency,
      language: input.language,
      secret_storage: this.secret !== null ? 'keyring' : 'none',
    };
    return this.settings;
  }

  private testConnection(input: SettingsInput): ConnectionReport {
    if (!/^[PT]\d{8}$/.test(input.account_id)) {
      return { ok: false, environment: null, message: 'The account id must be T or P followed by 8 digits.' };
    }
    const environment = input.account_id.startsWith('P') ? 'production' : 'test';
    if (input.client_id.trim() === '') return { ok: false, environment, message: 'No client id: Dintero cannot identify Kasse.' };
    if (input.client_secret === null && this.secret === null) {
      return { ok: false, environment, message: 'No client secret stored: type it, then test again.' };
    }
    if ((input.client_secret ?? this.secret) === 'wrong') {
      return { ok: false, environment, message: 'Dintero refused the client id or secret (401).' };
    }
    return { ok: true, environment, message: `Got an access token for ${input.account_id}.` };
  }

  // ---- Demo history ----------------------------------------------------------------------

  private seedHistory(): void {
    let r = 42;
    const rand = (n: number) => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0), (r >>> 8) % n);
    const now = this.opts.now();
    const items = this.settings.quick_items;
    const outcomes: SaleStatus[] = ['captured', 'captured', 'captured', 'captured', 'authorized', 'partially_refunded', 'refunded', 'declined', 'cancelled', 'expired', 'captured', 'voided'];
    const count = 48;
    for (let i = 0; i < count; i++) {
      const at = now - (count - i) * 47 * 60_000 - rand(20) * 60_000;
      const lines = Array.from({ length: 1 + rand(3) }, () => {
        const q = items[rand(items.length)]!;
        return { description: q.label, quantity: q.weighed ? `0.${100 + rand(800)}` : String(1 + rand(3)), unit_price: q.unit_price, vat: q.vat, product_id: q.id };
      });
      const priced = this.priceOrder({ currency: 'NOK', lines });
      const s = this.newSale(priced, 'waiting', at);
      this.event(s, 'session_created', { what: 'checkout_created' }, at);
      const o = outcomes[rand(outcomes.length)]!;
      if (o === 'cancelled') {
        this.event(s, 'status_observed', { what: 'status_seen', status: 'cancelled', source: 'operation' }, at + 30_000);
        s.summary.status = 'cancelled';
        continue;
      }
      if (o === 'expired') {
        this.event(s, 'status_observed', { what: 'status_seen', status: 'expired', source: 'poll' }, at + 15 * 60_000);
        s.summary.status = 'expired';
        continue;
      }
      this.event(s, 'status_observed', { what: 'status_seen', status: 'paying', source: 'poll' }, at + 8_000);
      s.summary.transaction_id = this.transactionId(s);
      s.summary.payment_product = ['visa', 'mastercard', 'vipps'][rand(3)]!;
      if (o === 'declined') {
        this.event(s, 'status_observed', { what: 'status_seen', status: 'declined', source: 'poll' }, at + 25_000);
        s.summary.status = 'declined';
        continue;
      }
      this.event(s, 'status_observed', { what: 'status_seen', status: 'authorized', source: 'poll' }, at + 25_000);
      s.summary.status = 'authorized';
      if (o === 'authorized') continue;
      if (o === 'voided') {
        this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'void' }, at + 60_000);
        s.summary.status = 'voided';
        continue;
      }
      s.summary.captured = s.summary.amount;
      s.summary.status = 'captured';
      this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'capture' }, at + 26_000);
      if (o === 'refunded' || o === 'partially_refunded') {
        const l = s.lines[0]!;
        const amt = o === 'refunded' ? s.summary.amount : l.amount;
        if (o === 'refunded') for (const x of s.lines) s.refundedQty[x.line_id] = x.quantity;
        else s.refundedQty[l.line_id] = l.quantity;
        s.summary.refunded = amt;
        s.summary.status = amt >= s.summary.captured ? 'refunded' : 'partially_refunded';
        this.event(s, 'operation_succeeded', { what: 'operation_done', op: 'refund' }, at + 3_600_000);
      }
    }
  }
}
