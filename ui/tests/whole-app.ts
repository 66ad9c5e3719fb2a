// The whole app mounted in jsdom on a replayed fixture, for the flow tests, with the waiting
// they share (real timers: the app's own intervals run as they do in a browser).
import { mount, tick, unmount } from 'svelte';
import App from '../src/App.svelte';
import { setTransport, type Transport } from '../src/lib/api';
import { Replay, type Fixture } from '../src/lib/replay';

export const $ = <T extends Element = HTMLElement>(sel: string) => document.querySelector<T>(sel);
export const $$ = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];

/** Waits (rendering) until `cond` holds, failing after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
    await tick();
  }
}

/** Mounts the app at `hash` on `fixture` once it is ready; returns the replay and an unmount. */
export async function mountApp(fixture: unknown, hash: string): Promise<{ replay: Replay; close: () => void }> {
  const replay = new Replay(fixture as Fixture);
  return { replay, ...(await mountWith(replay, hash)) };
}

/** Mounts the app at `hash` answered by `transport` once it is ready; returns an unmount. */
export async function mountWith(transport: Transport, hash: string): Promise<{ close: () => void }> {
  setTransport(transport);
  location.hash = hash;
  document.body.innerHTML = '<div id="app"></div>';
  const app = mount(App, { target: document.getElementById('app')! });
  await until(() => document.body.dataset.ready === '1', 'ready');
  return {
    close: () => {
      unmount(app);
      setTransport(null);
    },
  };
}
