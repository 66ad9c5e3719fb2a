// The sale detail screen on answers the engine gave (replayed fixtures): the confirmation dialog
// sends one request with one idempotency key however often Confirm is pressed, a new dialog
// makes a new key, and operations Dintero is still processing (or whose outcome is being
// checked) are shown and not offered again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import SaleDetail from '../src/screens/SaleDetail.svelte';
import { setTransport } from '../src/lib/api';
import type { SaleDetail as Detail } from '../src/lib/bindings/SaleDetail';
import type { Settings } from '../src/lib/bindings/Settings';
import { Replay, type Fixture } from '../src/lib/replay';
import { app } from '../src/lib/state.svelte';
import refundWhole from '../src/lib/fixtures/refund-whole.json';
import refundTwice from '../src/lib/fixtures/refund-twice.json';
import refundPin from '../src/lib/fixtures/refund-pin.json';
import refundLost from '../src/lib/fixtures/refund-lost.json';
import refundInFlight from '../src/lib/fixtures/refund-in-flight.json';
import refundInFlightPart from '../src/lib/fixtures/refund-in-flight-part.json';

/** The sale of every fixture here: coffee 2 × 39.00 and a mug at 149.00, captured. */
const TOTAL = 7800 + 14900;

let replay: Replay;
let screen: Record<string, unknown> | null = null;

const $ = <T extends HTMLElement = HTMLElement>(sel: string) => document.querySelector<T>(sel);
const button = (sel: string) => $<HTMLButtonElement>(sel);

/** Lets answers, events and timers (all fake) run, then renders. */
async function until(cond: () => boolean, what: string, steps = 200): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i >= steps) throw new Error(`timed out waiting for ${what}`);
    await vi.advanceTimersByTimeAsync(5);
    flushSync();
  }
}

function type(sel: string, value: string): void {
  const input = $<HTMLInputElement>(sel)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  flushSync();
}

/** Asks the replay directly, letting its (fake-timer) latency pass. */
async function ask<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  let answer: { v: T } | null = null;
  void replay.invoke(cmd, args).then((v) => (answer = { v: v as T }));
  await until(() => answer !== null, cmd);
  return answer!.v;
}

/** Replays `fixture` and shows its sale. */
async function open(fixture: unknown, latencyMs = 0): Promise<string> {
  replay = new Replay(fixture as Fixture, latencyMs);
  setTransport(replay);
  return show();
}

async function show(): Promise<string> {
  const id = replay.fixture.vars.sale!;
  screen = mount(SaleDetail, { target: document.getElementById('app')!, props: { saleId: id } });
  await until(() => !!$('#sale-title'), 'the sale');
  return id;
}

const refundCalls = () => replay.calls.filter(([c]) => c === 'refund').map(([, a]) => a!.input as { amount: number | null; key: string; pin: string | null });

const detail = (id: string) => ask<Detail>('sale_detail', { saleId: id });

/** When the fixture's (first) refund was asked for. */
function refundAsked(fixture: unknown): string {
  const step = (fixture as Fixture).steps.find((s) => s.call === 'refund')!;
  return (step.answer as Detail).operations.at(-1)!.requested_at!;
}

/** Asks for a refund of `amount` (major units) and waits for the dialog. */
async function askRefund(amount: string): Promise<void> {
  button('#refund-mode-amount')!.click();
  flushSync();
  type('#refund-amount', amount);
  button('#refund-btn')!.click();
  await until(() => !!$('#confirm-btn'), 'the dialog');
}

beforeEach(() => {
  vi.useFakeTimers();
  document.body.innerHTML = '<div id="app"></div>';
  app.settings = null;
});

afterEach(() => {
  if (screen) unmount(screen);
  screen = null;
  setTransport(null);
  app.settings = null;
  document.body.innerHTML = '';
  vi.useRealTimers();
});

describe('the confirmation dialog', () => {
  it('sends exactly one request, with a key, however fast Confirm is pressed', async () => {
    const id = await open(refundWhole, 200);
    button('#refund-btn')!.click(); // the whole sale
    await until(() => !!$('#confirm-btn'), 'the dialog');
    const confirm = button('#confirm-btn')!;
    confirm.click();
    confirm.click();
    flushSync();
    expect(confirm.disabled).toBe(true);
    confirm.click();
    // While it is on its way nothing else can be asked for.
    expect(button('#refund-btn')!.disabled).toBe(true);
    await until(() => !$('#confirm-dialog'), 'the dialog to close');
    const calls = refundCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const d = await detail(id);
    expect(d.sale.refunded).toBe(TOTAL);
    expect(d.events.filter((e) => e.entry.what === 'operation_done' && e.entry.op === 'refund')).toHaveLength(1);
  });

  it('a dialog opened anew makes a new key', async () => {
    const id = await open(refundTwice);
    await askRefund('10');
    button('#confirm-btn')!.click();
    await until(() => !$('#confirm-dialog'), 'the first refund');
    // Opened and left without confirming: nothing is sent.
    await askRefund('10');
    button('#confirm-cancel-btn')!.click();
    flushSync();
    expect(refundCalls()).toHaveLength(1);
    await askRefund('10');
    button('#confirm-btn')!.click();
    await until(() => !$('#confirm-dialog'), 'the second refund');
    const keys = refundCalls().map((c) => c.key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBeTruthy();
    expect(keys[1]).toBeTruthy();
    expect(keys[1]).not.toBe(keys[0]);
    expect((await detail(id)).sale.refunded).toBe(2000);
  });

  it('the core asks for the PIN; a wrong one is tried again in the same dialog with the same key', async () => {
    replay = new Replay(refundPin as Fixture);
    setTransport(replay);
    const id = await show();
    await askRefund('10');
    // Sent without a PIN: the core says one is needed, and the dialog asks for it.
    expect($('#pin-input')).toBeNull();
    button('#confirm-btn')!.click();
    await until(() => $('#confirm-error')?.dataset.code === 'pin_required', 'pin_required');
    type('#pin-input', '1111');
    button('#confirm-btn')!.click();
    await until(() => $('#confirm-error')?.dataset.code === 'pin_wrong', 'pin_wrong');
    expect($('#confirm-error')!.textContent).toContain('4 more wrong PINs');
    type('#pin-input', '2468');
    button('#confirm-btn')!.click();
    await until(() => !$('#confirm-dialog'), 'the refund');
    const calls = refundCalls();
    expect(calls.map((c) => c.pin)).toEqual([null, '1111', '2468']);
    expect(calls[2]!.key).toBe(calls[0]!.key);
    expect((await detail(id)).sale.refunded).toBe(1000);
  });

  it('a lost answer closes the dialog for good; the sale shows that the outcome is being checked', async () => {
    const id = await open(refundLost);
    await askRefund('10');
    button('#confirm-btn')!.click();
    await until(() => !$('#confirm-dialog'), 'the dialog to close');
    await until(() => !!$('[data-testid=op-checking]'), 'the checking banner');
    expect($('#op-error')!.dataset.code).toBe('outcome_unknown');
    expect($('[data-testid=op-checking]')!.textContent).toContain('Checking the outcome with Dintero');
    // Nothing can be asked for until the outcome is known; the dialog did not come back.
    expect(button('#refund-btn')!.disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    flushSync();
    expect($('#confirm-dialog')).toBeNull();
    expect(refundCalls()).toHaveLength(1);
    // Found done: the sale changes, the screen reloads and offers what is left.
    replay.act('answer-found');
    await until(() => !$('[data-testid=op-checking]'), 'the outcome');
    expect($('#sale-refunded')!.textContent).toMatch(/10[.,]00/);
    expect(button('#refund-btn')!.disabled).toBe(false);
    expect((await detail(id)).sale.refunded).toBe(1000);
  });
});

describe('an operation Dintero is still processing', () => {
  it('shows "Dintero is processing the refund" with its age, and the refund button is disabled with nothing left', async () => {
    vi.setSystemTime(new Date(refundAsked(refundInFlight)));
    const id = await open(refundInFlight);
    button('#refund-btn')!.click(); // the whole sale: a Vipps refund is accepted (202)
    await until(() => !!$('#confirm-btn'), 'the dialog');
    button('#confirm-btn')!.click();
    await until(() => !!$('[data-testid=op-in-flight]'), 'the processing banner');
    const banner = $('[data-testid=op-in-flight]')!;
    expect(banner.dataset.kind).toBe('refund');
    expect(banner.textContent).toContain('Dintero is processing the refund');
    expect($('#confirm-dialog')).toBeNull();
    expect($('[data-testid=op-age]')!.textContent).toBe('for 0 s');
    await vi.advanceTimersByTimeAsync(80_000);
    flushSync();
    expect($('[data-testid=op-age]')!.textContent).toBe('for 1 min 20 s');
    await vi.advanceTimersByTimeAsync(1000);
    flushSync();
    expect($('[data-testid=op-age]')!.textContent).toBe('for 1 min 21 s');
    // The whole amount is on its way: nothing is left to refund, and nothing can repeat it.
    expect((await detail(id)).refundable).toBe(0);
    expect(button('#refund-btn')!.disabled).toBe(true);
    expect($('#refundable')!.textContent).toMatch(/0[.,]00/);
    expect(refundCalls()).toHaveLength(1);
    // Dintero finishes: the banner goes, the sale is refunded.
    replay.act('dintero-completes');
    await until(() => !$('[data-testid=op-in-flight]'), 'the refund to finish');
    expect($('#sale-refunded')!.textContent).toMatch(/227[.,]00/);
    expect($('#refund-btn')).toBeNull();
  });

  it('leaves the rest refundable while part of it is in flight', async () => {
    await open(refundInFlightPart);
    await askRefund('78');
    button('#confirm-btn')!.click();
    await until(() => !!$('[data-testid=op-in-flight]'), 'the processing banner');
    expect($('#refundable')!.textContent).toMatch(/149[.,]00/);
    expect(button('#refund-btn')!.disabled).toBe(false);
  });
});
