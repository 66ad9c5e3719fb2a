import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, call, setTransport, usingReplay, type Transport } from '../src/lib/api';
import { ApiError, ERROR_CODES, nextStepKey, toApiError } from '../src/lib/errors';
import { newIdempotencyKey } from '../src/lib/idempotency';
import { en } from '../src/lib/i18n/en';
import { nb } from '../src/lib/i18n/nb';

afterEach(() => {
  setTransport(null);
  delete (globalThis as { __TAURI__?: unknown }).__TAURI__;
});

function rejecting(value: unknown): Transport {
  return { invoke: () => Promise.reject(value), listen: () => Promise.resolve(() => {}) };
}

describe('UiError mapping', () => {
  it('keeps a UiError from the shell', async () => {
    setTransport(rejecting({ code: 'pin_wrong', message: 'The staff PIN is wrong' }));
    const e = await api.refund('s-1', { amount: null, lines: [], reason: null, pin: '0000', key: 'k-1' }).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('pin_wrong');
    expect(e.message).toBe('The staff PIN is wrong');
  });
  it('maps unknown codes to internal, keeping the message', () => {
    expect(toApiError({ code: 'brand_new', message: 'x' })).toMatchObject({ code: 'internal', message: 'x' });
  });
  it('maps Tauri string errors (unknown command, bad args) to internal', () => {
    expect(toApiError('command foo not found')).toMatchObject({ code: 'internal', message: 'command foo not found' });
    expect(toApiError('network connection lost')).toMatchObject({ code: 'network' });
    expect(toApiError(new Error('boom'))).toMatchObject({ code: 'internal', message: 'boom' });
    expect(toApiError(undefined)).toMatchObject({ code: 'internal' });
    expect(toApiError({})).toMatchObject({ code: 'internal' });
  });
  it('every code has a next step in English and Norwegian, never the raw code', () => {
    for (const code of ERROR_CODES) {
      const key = nextStepKey(code);
      expect(en[key], code).toBeTruthy();
      expect(nb[key], code).toBeTruthy();
      if (code.includes('_')) expect(en[key]).not.toContain(code);
      expect(en[key]).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
    }
    expect(en[nextStepKey('outcome_unknown')]).toMatch(/Sync/);
    expect(en[nextStepKey('unauthorized')]).toMatch(/Settings/);
  });
});

describe('transport choice', () => {
  it('uses window.__TAURI__ when present, with camelCase args', async () => {
    const invoke = vi.fn().mockResolvedValue({ sale_id: 's-7' });
    const listen = vi.fn().mockResolvedValue(() => {});
    (globalThis as { __TAURI__?: unknown }).__TAURI__ = { core: { invoke }, event: { listen } };
    setTransport(null);
    expect(usingReplay()).toBe(false);
    await api.saleDetail('s-7');
    expect(invoke).toHaveBeenCalledWith('sale_detail', { saleId: 's-7' });
    await api.dayReport('a', 'b', true);
    expect(invoke).toHaveBeenCalledWith('day_report', { from: 'a', to: 'b', closing: true });
    const handler = vi.fn();
    await api.onSaleChanged(handler);
    expect(listen.mock.calls[0]![0]).toBe('sale-changed');
    listen.mock.calls[0]![1]({ payload: { sale: { sale_id: 's-1' }, previous: null } });
    expect(handler).toHaveBeenCalledWith({ sale: { sale_id: 's-1' }, previous: null });
  });
  it('capture, void and refund send the idempotency key', async () => {
    const invoke = vi.fn().mockResolvedValue({});
    (globalThis as { __TAURI__?: unknown }).__TAURI__ = { core: { invoke }, event: { listen: vi.fn() } };
    setTransport(null);
    await api.capture('s-1', { amount: null, key: 'k-cap' });
    expect(invoke).toHaveBeenLastCalledWith('capture', { saleId: 's-1', input: { amount: null, key: 'k-cap' } });
    await api.voidSale('s-1', 'k-void');
    expect(invoke).toHaveBeenLastCalledWith('void_sale', { saleId: 's-1', key: 'k-void' });
    await api.refund('s-1', { amount: 100, lines: [], reason: null, pin: null, key: 'k-ref' });
    expect(invoke).toHaveBeenLastCalledWith('refund', { saleId: 's-1', input: { amount: 100, lines: [], reason: null, pin: null, key: 'k-ref' } });
  });
  it('idempotency keys are UUIDs, also without crypto.randomUUID or Web Crypto', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const made = [
      newIdempotencyKey(),
      newIdempotencyKey(),
      newIdempotencyKey({ getRandomValues: (a) => globalThis.crypto.getRandomValues(a) }),
      newIdempotencyKey({ randomUUID: () => { throw new Error('not a secure context'); }, getRandomValues: (a) => globalThis.crypto.getRandomValues(a) }),
      newIdempotencyKey({}),
      newIdempotencyKey({}),
    ];
    for (const k of made) expect(k).toMatch(uuid);
    expect(new Set(made).size).toBe(made.length);
  });
  it('replays the recorded answers without Tauri', async () => {
    setTransport(null);
    expect(usingReplay()).toBe(true);
    const info = await call<{ mode: string }>('app_info');
    expect(info.mode).toBe('demo');
  });
  it('the recorded errors are UiErrors too', async () => {
    setTransport(null);
    const e = await api.saleDetail('no-such-sale').catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe('not_found');
  });
});
