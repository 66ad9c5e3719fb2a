// Start-up: the data the shell hands the page before it loads (window.__KASSE_BOOT__) makes the
// first render the usable Sell screen with no IPC answer needed; loadApp() then subscribes to
// events before it asks again, and a change that arrives meanwhile beats the older answer.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import App from '../src/App.svelte';
import { setTransport, takeBoot, type Transport } from '../src/lib/api';
import type { AppInfo } from '../src/lib/bindings/AppInfo';
import type { Boot } from '../src/lib/bindings/Boot';
import type { SaleSummary } from '../src/lib/bindings/SaleSummary';
import type { Settings } from '../src/lib/bindings/Settings';
import { Replay, type Fixture } from '../src/lib/replay';
import appFixture from '../src/lib/fixtures/app.json';
import { i18n } from '../src/lib/i18n.svelte';
import { app, applyBoot, loadApp, statuses, toasts } from '../src/lib/state.svelte';

type Global = { __KASSE_BOOT__?: Boot };

/** The page's `notice` handler, subscribed once per page (by the first loadApp below). */
let onNotice: ((p: unknown) => void) | null = null;

async function bootData(): Promise<Boot> {
  const replay = new Replay(appFixture as Fixture);
  const info = (await replay.invoke('app_info')) as AppInfo;
  const settings = (await replay.invoke('settings_get')) as Settings;
  return { info: { ...info, mode: 'test', counter: 'Till 7', language: 'nb' }, settings, parked: [] };
}

function openSale(id: string): SaleSummary {
  return {
    sale_id: id,
    merchant_reference: 'K1-000001',
    session_id: 'sess-1',
    transaction_id: null,
    status: 'waiting',
    amount: 12500,
    captured: 0,
    refunded: 0,
    currency: 'NOK',
    created_at: '2026-01-01T10:00:00Z',
    payment_method: null,
    uncaptured: null,
  };
}

afterEach(() => {
  delete (globalThis as Global).__KASSE_BOOT__;
  sessionStorage.clear();
  setTransport(null);
  document.body.innerHTML = '';
  delete document.body.dataset.ready;
});

// loadApp first: it subscribes once per page, and the mount below starts it again.
describe('loadApp', () => {
  it('subscribes first, then asks; a change that arrives meanwhile wins over the older answer', async () => {
    const boot = await bootData();
    const order: string[] = [];
    let saleChanged: ((p: unknown) => void) | null = null;
    let answerParked: (v: SaleSummary[]) => void = () => {};
    const transport: Transport = {
      invoke: (cmd) => {
        order.push(cmd);
        if (cmd === 'app_info') return Promise.resolve(boot.info);
        if (cmd === 'settings_get') return Promise.resolve(boot.settings);
        if (cmd === 'parked') return new Promise<SaleSummary[]>((r) => (answerParked = r));
        return Promise.reject({ code: 'internal', message: `unexpected ${cmd}` });
      },
      listen: (event, handler) => {
        order.push(`listen ${event}`);
        if (event === 'sale-changed') saleChanged = handler;
        if (event === 'notice') onNotice = handler;
        return Promise.resolve(() => {});
      },
    };
    setTransport(transport);
    const loading = loadApp();
    for (let i = 0; i < 20 && !order.includes('parked'); i++) await Promise.resolve();
    expect(order.slice(0, 2)).toEqual(['listen sale-changed', 'listen notice']);
    expect(order.slice(2).sort()).toEqual(['app_info', 'parked', 'settings_get']);
    // The sale was open when the backend read the list, and is paid by the time it arrives.
    const sale = openSale('s-1');
    saleChanged!({ sale: { ...sale, status: 'captured', captured: 12500 }, previous: 'waiting' });
    answerParked([sale]);
    await loading;
    expect(app.loadError).toBeNull();
    expect(app.parked.map((p) => p.sale_id)).toEqual([]);
    expect(statuses['s-1']).toBe('captured');
    expect(app.info?.counter).toBe('Till 7');
    expect(document.body.dataset.ready).toBe('1');
  });
});

describe('the boot data', () => {
  it('is taken once, and there is none without the shell', async () => {
    expect(takeBoot()).toBeNull();
    expect(applyBoot()).toBe(false);
    const boot = await bootData();
    (globalThis as Global).__KASSE_BOOT__ = boot;
    expect(takeBoot()).toEqual(boot);
    expect((globalThis as Global).__KASSE_BOOT__).toBeUndefined();
    expect(takeBoot()).toBeNull();
  });

  it('is not taken again after a reload: the shell hands every load the start-time data', async () => {
    const boot = await bootData();
    (globalThis as Global).__KASSE_BOOT__ = boot;
    expect(takeBoot()).toEqual(boot);
    // The page reloads: the initialization script runs again with the data of the app's start.
    (globalThis as Global).__KASSE_BOOT__ = { ...boot, parked: [openSale('s-settled-since')] };
    expect(takeBoot()).toBeNull();
    expect((globalThis as Global).__KASSE_BOOT__).toBeUndefined();
    expect(applyBoot()).toBe(false);
  });

  it('renders the Sell screen with its quick items before any IPC answer', async () => {
    const boot = await bootData();
    boot.parked = [openSale('s-boot')];
    (globalThis as Global).__KASSE_BOOT__ = boot;
    // A backend that never answers: whatever shows comes from the boot data.
    const silent: Transport = {
      invoke: () => new Promise(() => {}),
      listen: () => Promise.resolve(() => {}),
    };
    setTransport(silent);
    expect(applyBoot()).toBe(true);
    document.body.innerHTML = '<div id="app"></div>';
    const mounted = mount(App, { target: document.getElementById('app')! });
    flushSync();
    try {
      const items = document.querySelectorAll('[data-testid=quick-item]');
      expect(items.length).toBe(boot.settings.quick_items.length);
      expect(items.length).toBeGreaterThan(0);
      expect(document.querySelector<HTMLElement>('#mode-badge')!.dataset.mode).toBe('test');
      expect(document.querySelector('.counter')!.textContent).toBe('Till 7');
      expect(document.querySelector<HTMLElement>('#parked-count')!.dataset.count).toBe('1');
      expect(i18n.lang).toBe('nb');
      expect(statuses['s-boot']).toBe('waiting');
      // Not ready until the backend has answered (the e2e tests wait for this).
      expect(document.body.dataset.ready).toBeUndefined();
    } finally {
      unmount(mounted);
    }
  });
});

/** Lets Svelte and the router (a hash change is an event) catch up. */
async function settle(): Promise<void> {
  flushSync();
  await new Promise((r) => setTimeout(r, 0));
  flushSync();
}

/** The app started on the Sell screen from boot data whose info has `info` (in English), with
 * a transport that never answers (so only the boot data shows). */
async function mountAtSell(info: Partial<AppInfo>): Promise<ReturnType<typeof mount>> {
  const boot = await bootData();
  boot.info = { ...boot.info, ...info, language: 'en' };
  (globalThis as Global).__KASSE_BOOT__ = boot;
  setTransport({ invoke: () => new Promise(() => {}), listen: () => Promise.resolve(() => {}) });
  expect(applyBoot()).toBe(true);
  location.hash = '#/sell';
  document.body.innerHTML = '<div id="app"></div>';
  const mounted = mount(App, { target: document.getElementById('app')! });
  await settle();
  return mounted;
}

/** Clicks `button` and expects it to lead to `hash`, where `screen` is no longer shown. */
async function leadsTo(button: string, hash: string, screen: string): Promise<void> {
  document.querySelector<HTMLButtonElement>(button)!.click();
  await settle();
  expect(location.hash).toBe(hash);
  expect(document.querySelector(screen)).toBeNull();
}

describe('an account whose secret cannot be read', () => {
  it('sells nothing and sends the cashier to Settings', async () => {
    const mounted = await mountAtSell({ mode: 'secret_missing', account_id: 'T12345678' });
    try {
      expect(document.querySelector('[data-testid=quick-item]')).toBeNull();
      expect(document.querySelector('#secret-missing')!.textContent).toContain('T12345678');
      expect(document.querySelector<HTMLElement>('#mode-badge')!.dataset.mode).toBe('secret_missing');
      await leadsTo('#secret-missing-settings', '#/settings', '#secret-missing');
    } finally {
      unmount(mounted);
      location.hash = '';
    }
  });
});

describe('a sales log changed outside Kasse', () => {
  for (const [readOnly, what, fix] of [
    [{ seq: 42, sale_id: null, problem: 'row 42 was altered: its hash does not match its content' }, 'Row 42', 'restore kasse.sqlite'],
    [{ seq: null, sale_id: 's-7', problem: 'the stored row of sale s-7 differs from its journal (captured)' }, 'sale s-7', 'journal rebuild'],
  ] as const) {
    it(`sells nothing, names ${what}, says how to fix it, and still lets sales be looked up`, async () => {
      const mounted = await mountAtSell({ read_only: readOnly });
      try {
        expect(document.querySelector('[data-testid=quick-item]')).toBeNull();
        const screen = document.querySelector('#journal-broken')!.textContent!;
        expect(screen).toContain(what);
        expect(screen).toContain(readOnly.problem);
        expect(screen).toContain(fix);
        expect(screen).toContain('read-only');
        location.hash = '#/settings';
        await settle();
        expect(document.querySelector('#journal-broken'), 'Settings cannot be changed either').not.toBeNull();
        await leadsTo('#journal-broken-transactions', '#/transactions', '#journal-broken');
      } finally {
        unmount(mounted);
        location.hash = '';
      }
    });
  }
});

describe('an error notice from the shell', () => {
  for (const readOnly of [true, false]) {
    it(readOnly
      ? 'that made the log read-only is left to the read-only screen, not toasted over it'
      : 'about anything else is shown as it comes', async () => {
      const boot = await bootData();
      const info = {
        ...boot.info,
        read_only: readOnly ? { seq: 2, sale_id: null, problem: 'row 2 is missing' } : null,
      };
      setTransport({
        invoke: (cmd) => (cmd === 'app_info' ? Promise.resolve(info) : new Promise(() => {})),
        listen: () => Promise.resolve(() => {}),
      });
      toasts.splice(0);
      onNotice!({ level: 'error', message: 'The sales log was changed outside Kasse' });
      for (let i = 0; i < 10; i++) await Promise.resolve();
      expect(app.info?.read_only ?? null).toEqual(info.read_only);
      expect(toasts.length).toBe(readOnly ? 0 : 1);
    });
  }
});
