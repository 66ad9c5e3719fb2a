import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeBackend, fakeQrSvg } from '../src/lib/fake-backend';
import type { Charge } from '../src/lib/bindings/Charge';
import type { PricedOrder } from '../src/lib/bindings/PricedOrder';
import type { SaleDetail } from '../src/lib/bindings/SaleDetail';
import type { SaleChanged } from '../src/lib/bindings/SaleChanged';
import type { SalePage } from '../src/lib/bindings/SalePage';
import type { SaleSummary } from '../src/lib/bindings/SaleSummary';
import type { Settings } from '../src/lib/bindings/Settings';
import type { SettingsInput } from '../src/lib/bindings/SettingsInput';
import type { DayReport } from '../src/lib/bindings/DayReport';

const order = {
  currency: 'NOK',
  lines: [
    { description: 'Coffee', quantity: '2', unit_price: 3900, vat: '15', product_id: 'coffee' },
    { description: 'Pick & mix', quantity: '0.375', unit_price: 14900, vat: '15', product_id: 'candy' },
    { description: 'Mug', quantity: '1', unit_price: 14900, vat: '25', product_id: 'mug' },
  ],
};

let fake: FakeBackend;
let events: SaleChanged[];
const inv = <T>(cmd: string, args?: Record<string, unknown>) => fake.invoke(cmd, args) as Promise<T>;
let keys = 0;
/** A new idempotency key, as a new press of a dialog makes. */
const k = () => `key-${++keys}`;

beforeEach(async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-24T12:00:00Z'));
  fake = new FakeBackend({ seed: false });
  events = [];
  await fake.listen('sale-changed', (p) => events.push(p as SaleChanged));
});
afterEach(() => vi.useRealTimers());

function settingsInput(s: Settings, patch: Partial<SettingsInput> = {}): SettingsInput {
  const { has_secret: _h, refund_pin_set: _r, ...rest } = s;
  return { ...rest, client_secret: null, refund_pin: null, ...patch };
}

/** A history row saying the operation `op` was done. */
const done =
  (op: string) =>
  (e: SaleDetail['events'][number]): boolean =>
    e.entry.what === 'operation_done' && e.entry.op === op;

describe('price_order', () => {
  it('prices lines with the core rules (round half away from zero)', async () => {
    const p = await inv<PricedOrder>('price_order', { order });
    expect(p.lines.map((l) => l.amount)).toEqual([7800, 5588, 14900]);
    // VAT = amount × r / (100 + r)
    expect(p.lines.map((l) => l.vat_amount)).toEqual([1017, 729, 2980]);
    expect(p.amount).toBe(7800 + 5588 + 14900);
    expect(p.vat_amount).toBe(1017 + 729 + 2980);
    expect(p.lines.map((l) => l.line_id)).toEqual(['1', '2', '3']);
  });
  it('rejects invalid lines naming the field', async () => {
    const bad = { currency: 'NOK', lines: [{ ...order.lines[0], vat: '101' }] };
    await expect(inv('price_order', { order: bad })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('lines[0].vat') });
    const q = { currency: 'NOK', lines: [{ ...order.lines[0], quantity: '0.0001' }] };
    await expect(inv('price_order', { order: q })).rejects.toMatchObject({ message: expect.stringContaining('lines[0].quantity') });
  });
});

describe('charge and follow', () => {
  it('waiting → paying → authorised, with sale-changed events', async () => {
    const c = await inv<Charge>('charge', { order });
    expect(c.qr_svg).toMatch(/^<svg/);
    expect(c.amount).toBe(28288);
    expect(Date.parse(c.expires_at) - Date.now()).toBe(15 * 60_000);
    expect((await inv<SaleSummary[]>('parked')).map((s) => s.sale_id)).toEqual([c.sale_id]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(events.map((e) => [e.previous, e.sale.status])).toEqual([['waiting', 'paying']]);
    await vi.advanceTimersByTimeAsync(4000);
    expect(events.map((e) => e.sale.status)).toEqual(['paying', 'authorized']);
    const d = await inv<SaleDetail>('sale_detail', { saleId: c.sale_id });
    expect(d.capturable).toBe(28288);
    expect(d.can_void).toBe(true);
    expect(d.events.map((e) => e.kind)).toEqual(['session_created', 'status_observed', 'status_observed']);
    expect(d.events.map((e) => (e.entry.what === 'status_seen' ? e.entry.status : e.entry.what))).toEqual([
      'checkout_created',
      'paying',
      'authorized',
    ]);
    expect(await inv<SaleSummary[]>('parked')).toEqual([]);
  });
  it('declines amounts ending in 13 øre', async () => {
    const c = await inv<Charge>('charge', { order: { currency: 'NOK', lines: [{ ...order.lines[0], quantity: '1', unit_price: 1013 }] } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await inv<SaleDetail>('sale_detail', { saleId: c.sale_id })).sale.status).toBe('declined');
  });
  it('cancel stops the customer; cancelling a paid sale is invalid_state', async () => {
    const c = await inv<Charge>('charge', { order });
    const s = await inv<SaleSummary>('cancel_charge', { saleId: c.sale_id });
    expect(s.status).toBe('cancelled');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events.map((e) => e.sale.status)).toEqual(['cancelled']);
    const c2 = await inv<Charge>('charge', { order });
    fake.pay(c2.sale_id);
    await expect(inv('cancel_charge', { saleId: c2.sale_id })).rejects.toMatchObject({ code: 'invalid_state' });
  });
  it('expires after 15 minutes', async () => {
    const f = new FakeBackend({ seed: false, autoPay: false });
    const c = (await f.invoke('charge', { order })) as Charge;
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(((await f.invoke('sale_detail', { saleId: c.sale_id })) as SaleDetail).sale.status).toBe('expired');
  });
  it('pay here completes in a couple of seconds', async () => {
    const f = new FakeBackend({ seed: false, autoPay: false });
    const c = (await f.invoke('charge', { order })) as Charge;
    expect(await f.invoke('pay_here', { saleId: c.sale_id })).toBeNull();
    await vi.advanceTimersByTimeAsync(3000);
    expect(((await f.invoke('sale_detail', { saleId: c.sale_id })) as SaleDetail).sale.status).toBe('authorized');
  });
  it('an empty order cannot be charged', async () => {
    await expect(inv('charge', { order: { currency: 'NOK', lines: [] } })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('capture, void, refund', () => {
  async function paid(): Promise<string> {
    const c = await inv<Charge>('charge', { order });
    fake.pay(c.sale_id, 'authorized');
    return c.sale_id;
  }
  it('captures partly then the rest; too much is amount_exceeds', async () => {
    const id = await paid();
    await expect(inv('capture', { saleId: id, input: { amount: 99_999_999, key: k() } })).rejects.toMatchObject({ code: 'amount_exceeds' });
    let d = await inv<SaleDetail>('capture', { saleId: id, input: { amount: 10000, key: k() } });
    expect(d.sale.status).toBe('partially_captured');
    expect(d.capturable).toBe(18288);
    d = await inv<SaleDetail>('capture', { saleId: id, input: { amount: null, key: k() } });
    expect(d.sale.status).toBe('captured');
    expect(d.refundable).toBe(28288);
    expect(d.can_void).toBe(false);
  });
  it('a refund of a partial capture is partially_captured_refunded; the rest stays capturable', async () => {
    const id = await paid();
    await inv('capture', { saleId: id, input: { amount: 10000, key: k() } });
    let d = await inv<SaleDetail>('refund', { saleId: id, input: { amount: 2000, lines: [], reason: null, pin: null, key: k() } });
    expect(d.sale.status).toBe('partially_captured_refunded');
    expect(d.capturable).toBe(18288);
    expect(d.refundable).toBe(8000);
    expect(events.at(-1)).toMatchObject({ previous: 'partially_captured', sale: { status: 'partially_captured_refunded' } });
    d = await inv<SaleDetail>('capture', { saleId: id, input: { amount: null, key: k() } });
    expect(d.sale.status).toBe('partially_refunded');
    expect(d.refundable).toBe(28288 - 2000);
  });
  it('sale ids are strings; anything else is invalid_input', async () => {
    const id = await paid();
    expect(typeof id).toBe('string');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await expect(inv('sale_detail', { saleId: 1 })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(inv('sale_detail', { saleId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });
  it('voids an authorisation', async () => {
    const id = await paid();
    const d = await inv<SaleDetail>('void_sale', { saleId: id, key: k() });
    expect(d.sale.status).toBe('voided');
    await expect(inv('void_sale', { saleId: id, key: k() })).rejects.toMatchObject({ code: 'invalid_state' });
  });
  it('refunds lines with quantities, never more than was sold', async () => {
    const id = await paid();
    await expect(inv('refund', { saleId: id, input: { amount: null, lines: [], reason: null, pin: null, key: k() } })).rejects.toMatchObject({ code: 'invalid_state' });
    await inv('capture', { saleId: id, input: { amount: null, key: k() } });
    let d = await inv<SaleDetail>('refund', { saleId: id, input: { amount: null, lines: [{ line_id: '1', quantity: '1' }], reason: 'spilt', pin: null, key: k() } });
    expect(d.sale.refunded).toBe(3900);
    expect(d.refunded_quantities).toEqual({ '1': '1' });
    expect(d.sale.status).toBe('partially_refunded');
    await expect(inv('refund', { saleId: id, input: { amount: null, lines: [{ line_id: '1', quantity: '2' }], reason: null, pin: null, key: k() } })).rejects.toMatchObject({ code: 'amount_exceeds' });
    d = await inv<SaleDetail>('refund', { saleId: id, input: { amount: null, lines: [{ line_id: '2', quantity: '0.375' }], reason: null, pin: null, key: k() } });
    expect(d.sale.refunded).toBe(3900 + 5588);
    d = await inv<SaleDetail>('refund', { saleId: id, input: { amount: null, lines: [], reason: null, pin: null, key: k() } });
    expect(d.sale.status).toBe('refunded');
    expect(d.refundable).toBe(0);
  });
  it('asks for the staff PIN when one is set', async () => {
    const s = await inv<Settings>('settings_get');
    await inv('settings_save', { input: settingsInput(s, { refund_pin: '2468' }) });
    expect((await inv<Settings>('settings_get')).refund_pin_set).toBe(true);
    const id = await paid();
    await inv('capture', { saleId: id, input: { amount: null, key: k() } });
    // A refusal at the counter (no PIN, wrong PIN) does not use up the key.
    const input = { amount: 100, lines: [], reason: null, pin: null as string | null, key: k() };
    await expect(inv('refund', { saleId: id, input })).rejects.toMatchObject({ code: 'pin_required' });
    await expect(inv('refund', { saleId: id, input: { ...input, pin: '1111' } })).rejects.toMatchObject({ code: 'pin_wrong' });
    expect((await inv<SaleDetail>('refund', { saleId: id, input: { ...input, pin: '2468' } })).sale.refunded).toBe(100);
  });
});

describe('idempotency keys and operations Dintero is still processing', () => {
  type Detail = SaleDetail & { operations: { kind: string; state: string; amount: number | null; requested_at: string }[] };
  async function captured(product = 'visa'): Promise<string> {
    const c = await inv<Charge>('charge', { order });
    fake.pay(c.sale_id, 'authorized', product);
    await inv('capture', { saleId: c.sale_id, input: { amount: null, key: k() } });
    return c.sale_id;
  }
  const refund = (id: string, amount: number | null, key: string) =>
    inv<Detail>('refund', { saleId: id, input: { amount, lines: [], reason: null, pin: null, key } });

  it('a repeated refund key gets the first result and refunds once; a new key refunds again', async () => {
    const id = await captured();
    const first = await refund(id, 2000, 'press-1');
    expect(first.sale.refunded).toBe(2000);
    const again = await refund(id, 2000, 'press-1');
    expect(again).toEqual(first);
    // Even with other contents: the key decides, as in the core.
    expect((await refund(id, 5000, 'press-1')).sale.refunded).toBe(2000);
    expect((await inv<SaleDetail>('sale_detail', { saleId: id })).events.filter((e) => done('refund')(e))).toHaveLength(1);
    expect((await refund(id, 2000, 'press-2')).sale.refunded).toBe(4000);
  });
  it('capture and void repeat their first result for a repeated key', async () => {
    const c = await inv<Charge>('charge', { order });
    fake.pay(c.sale_id, 'authorized');
    const a = await inv<SaleDetail>('capture', { saleId: c.sale_id, input: { amount: 1000, key: 'cap' } });
    const b = await inv<SaleDetail>('capture', { saleId: c.sale_id, input: { amount: 1000, key: 'cap' } });
    expect(b.sale.captured).toBe(1000);
    expect(b).toEqual(a);
    const c2 = await inv<Charge>('charge', { order });
    fake.pay(c2.sale_id, 'authorized');
    const v = await inv<SaleDetail>('void_sale', { saleId: c2.sale_id, key: 'void' });
    expect(await inv<SaleDetail>('void_sale', { saleId: c2.sale_id, key: 'void' })).toEqual(v);
    expect(v.events.filter((e) => done('void')(e))).toHaveLength(1);
  });
  it('an empty or missing key is invalid_input and does nothing', async () => {
    const id = await captured();
    await expect(refund(id, 100, '')).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^key/) });
    await expect(inv('refund', { saleId: id, input: { amount: 100, lines: [], reason: null, pin: null } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(inv('void_sale', { saleId: id })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(inv('capture', { saleId: id, input: { amount: null, key: '  ' } })).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await inv<SaleDetail>('sale_detail', { saleId: id })).sale.refunded).toBe(0);
  });
  it('a Vipps refund is in flight: it counts against refundable until Dintero finishes it', async () => {
    const f = new FakeBackend({ seed: false, autoPay: false, acceptedMs: 90_000 });
    const c = (await f.invoke('charge', { order })) as Charge;
    f.pay(c.sale_id, 'captured', 'vipps');
    const d = (await f.invoke('refund', { saleId: c.sale_id, input: { amount: 8000, lines: [], reason: null, pin: null, key: 'r1' } })) as Detail;
    expect(d.operations.at(-1)).toMatchObject({ kind: 'refund', state: 'in_flight', amount: 8000, requested_at: '2026-11-24T12:00:00Z' });
    expect(d.sale.refunded).toBe(0);
    expect(d.refundable).toBe(28288 - 8000);
    // Pressed again with the same key: the same answer, nothing sent again.
    const again = (await f.invoke('refund', { saleId: c.sale_id, input: { amount: 8000, lines: [], reason: null, pin: null, key: 'r1' } })) as Detail;
    expect(again.refundable).toBe(28288 - 8000);
    expect(again.operations.filter((o) => o.kind === 'refund')).toHaveLength(1);
    await expect(f.invoke('refund', { saleId: c.sale_id, input: { amount: 28288, lines: [], reason: null, pin: null, key: 'r2' } })).rejects.toMatchObject({ code: 'amount_exceeds' });
    await vi.advanceTimersByTimeAsync(90_000);
    const done = (await f.invoke('sale_detail', { saleId: c.sale_id })) as Detail;
    expect(done.operations.at(-1)!.state).toBe('succeeded');
    expect(done.sale.refunded).toBe(8000);
    expect(done.sale.status).toBe('partially_refunded');
    expect(done.refundable).toBe(28288 - 8000);
  });
  it('a lost answer: outcome_unknown, the same key is not sent again, nothing new until it is settled', async () => {
    const id = await captured();
    fake.nextOperation('unknown');
    await expect(refund(id, 3000, 'lost')).rejects.toMatchObject({ code: 'outcome_unknown' });
    const d = await inv<Detail>('sale_detail', { saleId: id });
    expect(d.operations.at(-1)).toMatchObject({ kind: 'refund', state: 'unknown' });
    expect(d.refundable).toBe(28288 - 3000);
    await expect(refund(id, 3000, 'lost')).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(refund(id, 1000, 'new-press')).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await inv<{ reconciled: number }>('sync')).reconciled).toBe(1);
    const after = await refund(id, 3000, 'lost');
    expect(after.operations.at(-1)!.state).toBe('reconciled');
    expect(after.sale.refunded).toBe(3000);
    expect(after.events.filter((e) => done('refund')(e))).toHaveLength(1);
  });
});

describe('list, report, settings', () => {
  it('pages with a keyset cursor and filters', async () => {
    const f = new FakeBackend({ seed: true });
    const q = { search: null, statuses: [], from: null, to: null, amount_min: null, amount_max: null, cursor: null, limit: 20 };
    const p1 = (await f.invoke('list_sales', { query: q })) as SalePage;
    expect(p1.items).toHaveLength(20);
    expect(p1.next_cursor).not.toBeNull();
    const p2 = (await f.invoke('list_sales', { query: { ...q, cursor: p1.next_cursor } })) as SalePage;
    const ids = new Set([...p1.items, ...p2.items].map((s) => s.sale_id));
    expect(ids.size).toBe(p1.items.length + p2.items.length);
    expect(p1.items[0]!.created_at >= p1.items[1]!.created_at).toBe(true);
    const captured = (await f.invoke('list_sales', { query: { ...q, statuses: ['captured'], limit: 500 } })) as SalePage;
    expect(captured.items.every((s) => s.status === 'captured')).toBe(true);
    const ref = p1.items[3]!.merchant_reference;
    const found = (await f.invoke('list_sales', { query: { ...q, search: ref } })) as SalePage;
    expect(found.items.map((s) => s.merchant_reference)).toEqual([ref]);
    const big = (await f.invoke('list_sales', { query: { ...q, amount_min: 30000, limit: 500 } })) as SalePage;
    expect(big.items.every((s) => s.amount >= 30000)).toBe(true);
  });
  it('day report totals add up', async () => {
    const f = new FakeBackend({ seed: true });
    const r = (await f.invoke('day_report', { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', closing: false })) as DayReport;
    expect(r.net).toBe(r.captured - r.refunded);
    expect(r.by_status.reduce((n, s) => n + s.count, 0)).toBe(48);
    expect(r.by_product.reduce((n, s) => n + s.count, 0)).toBe(r.sales);
    const csv = (await f.invoke('export_csv', { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' })) as string;
    expect(csv.trim().split('\n')).toHaveLength(49);
  });
  it('validates the account id and switches mode', async () => {
    const s = await inv<Settings>('settings_get');
    await expect(inv('settings_save', { input: settingsInput(s, { account_id: 'X1' }) })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^account_id/) });
    await inv('settings_save', { input: settingsInput(s, { account_id: 'T12345678', client_id: 'id', client_secret: 'S3cr3t-value' }) });
    expect((await inv<{ mode: string }>('app_info')).mode).toBe('test');
    const saved = await inv<Settings>('settings_get');
    expect(saved.has_secret).toBe(true);
    expect(JSON.stringify(saved)).not.toContain('S3cr3t-value');
    expect(JSON.stringify(await inv('app_info'))).not.toContain('S3cr3t-value');
    await inv('settings_save', { input: settingsInput(saved, { account_id: 'P12345678' }) });
    expect((await inv<{ mode: string }>('app_info')).mode).toBe('live');
  });
  it('test_connection reports plainly', async () => {
    const s = await inv<Settings>('settings_get');
    expect(await inv('test_connection', { input: settingsInput(s, { account_id: 'T12345678', client_id: 'x', client_secret: 's' }) })).toMatchObject({ ok: true, environment: 'test' });
    expect(await inv('test_connection', { input: settingsInput(s, { account_id: 'T1' }) })).toMatchObject({ ok: false });
  });
  it('the fake QR is an SVG of the same shape as the core one', () => {
    const svg = fakeQrSvg('https://example/x');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg".*viewBox="0 0 37 37"/);
    expect(fakeQrSvg('https://example/x')).toBe(svg);
  });
});
