// The whole app mounted in jsdom on answers the engine gave (the replayed `app` fixture): sell →
// charge → paid, a parked sale declined, and settings validation, through the same ids the
// WebDriver tests use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replay } from '../src/lib/replay';
import appFixture from '../src/lib/fixtures/app.json';
import { $, $$, mountApp, until } from './whole-app';

let replay: Replay;
let close: () => void;

function key(k: string, init: KeyboardEventInit = {}) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...init }));
}

beforeAll(async () => {
  ({ replay, close } = await mountApp(appFixture, '#/sell'));
});

afterAll(() => close());

describe('the app on the recorded answers', () => {
  it('shows the DEMO badge and the quick items', async () => {
    await until(() => $$('[data-testid=quick-item]').length > 0, 'quick items');
    expect($('#mode-badge')!.dataset.mode).toBe('demo');
    expect($('#mode-badge')!.textContent).toBe('DEMO');
    for (const el of $$('button, input, select, a')) {
      const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.closest('label')?.textContent?.trim();
      expect(name, el.outerHTML.slice(0, 80)).toBeTruthy();
    }
  });

  it('sells: quick items, quantity key, typed amount; totals come from price_order', async () => {
    $('[data-testid=quick-item][data-id=coffee]')!.click();
    $('[data-testid=quick-item][data-id=coffee]')!.click();
    key('3');
    key('x');
    $('[data-testid=quick-item][data-id=bun]')!.click();
    key('2');
    key('5');
    key('Enter');
    await until(() => $('#cart-total')!.dataset.amount === String(7800 + 13500 + 2500), 'total');
    expect($$('[data-testid=cart-line]')).toHaveLength(3);
    expect(replay.calls.some(([c]) => c === 'price_order')).toBe(true);
    // The line being edited shows its quantity, and follows + and − from the keyboard.
    $$('[data-testid=cart-line]')[0]!.querySelector<HTMLElement>('.line-main')!.click();
    await until(() => !!$('#line-qty'), 'line editor');
    expect($<HTMLInputElement>('#line-qty')!.value).toBe('2');
    key('+');
    await until(() => $<HTMLInputElement>('#line-qty')!.value === '3', 'quantity up');
    key('-');
    await until(() => $<HTMLInputElement>('#line-qty')!.value === '2', 'quantity down');
    await until(() => $('#cart-total')!.dataset.amount === String(7800 + 13500 + 2500) && !$('#price-error'), 'priced again');
    key('Escape');
    await until(() => !$('#line-qty'), 'line editor closed');
    key('Delete');
    await until(() => $('#cart-total')!.dataset.amount === String(7800 + 13500), 'total after delete');
  });

  it('charges with F2, shows the QR and follows the sale to paid', async () => {
    key('F2');
    await until(() => !!$('#qr svg'), 'QR');
    expect($('#charge-status')!.dataset.phase).toBe('waiting');
    expect($('#charge-amount')!.dataset.amount).toBe(String(7800 + 13500));
    expect($('#time-left')).not.toBeNull();
    const saleId = decodeURIComponent(location.hash.split('/').pop()!);
    replay.act('visit');
    await until(() => $('#charge-status')!.dataset.phase === 'paying', 'paying');
    replay.act('pay');
    await until(() => $('#charge-status')!.dataset.phase === 'paid', 'paid');
    $('#new-sale-btn')!.click();
    await until(() => $$('[data-testid=quick-item]').length > 0, 'back to sell');
    expect($$('[data-testid=cart-line]')).toHaveLength(0);
  });

  it('parks a payment and raises a toast when it completes', async () => {
    $('[data-testid=quick-item][data-id=tea]')!.click();
    await until(() => $('#cart-total')!.dataset.amount === '3500', 'priced');
    key('F2');
    await until(() => !!$('#qr svg'), 'QR');
    const saleId = decodeURIComponent(location.hash.split('/').pop()!);
    key('F3');
    await until(() => $$('[data-testid=quick-item]').length > 0, 'sell after park');
    expect($('#parked-count')!.dataset.count).toBe('1');
    replay.act('decline');
    await until(() => $$('[data-testid=toast]').length > 0, 'toast');
    expect($('[data-testid=toast]')!.dataset.level).toBe('error');
    expect($('#parked-count')!.dataset.count).toBe('0');
    // "Open" on the toast leads to the Charge screen, which charges the sale's lines again.
    ($$('[data-testid=toast] button').find((b) => b.textContent === 'Open'))!.click();
    await until(() => !!$('#charge-again-btn'), 'charge again');
    expect($('#charge-status')!.dataset.phase).toBe('declined');
    $('#charge-again-btn')!.click();
    await until(() => !!$('#qr svg') && decodeURIComponent(location.hash.split('/').pop()!) !== saleId, 'new charge');
    expect($('#charge-amount')!.dataset.amount).toBe('3500');
    $('#cancel-charge-btn')!.click();
    await until(() => $('#charge-status')!.dataset.phase === 'cancelled', 'cancelled');
    key('Escape');
    await until(() => $$('[data-testid=quick-item]').length > 0, 'back to sell');
  });

  it('opens the help overlay on ?', async () => {
    key('?');
    await until(() => !!$('#help'), 'help');
    expect($('#help')!.textContent).toContain('F2');
    key('Escape');
    await until(() => !$('#help'), 'help closed');
  });

  it('validates the account id in Settings', async () => {
    location.hash = '#/settings';
    await until(() => !!$('#account-id'), 'settings');
    const input = $<HTMLInputElement>('#account-id')!;
    input.value = 'X123';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    $('#save-settings-btn')!.click();
    await until(() => !!$('#account-id-error'), 'account id error');
    expect($('#account-id-error')!.textContent).toMatch(/T or P followed by 8 digits/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
});
