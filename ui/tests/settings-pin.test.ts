// Settings behind the manager PIN, on answers the engine gave (the replayed `settings-pin`
// fixture): the manager PIN is set in the Staff section; saving then asks for it; wrong PINs
// say how many tries are left, and the fifth says how long PIN actions stay locked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import settingsPin from '../src/lib/fixtures/settings-pin.json';
import { setLang } from '../src/lib/i18n.svelte';
import type { Replay } from '../src/lib/replay';
import { $, mountApp, until } from './whole-app';

let close: () => void;
let replay: Replay;
const button = (sel: string) => $<HTMLButtonElement>(sel)!;

function type(sel: string, value: string): void {
  const input = $<HTMLInputElement>(sel)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
  flushSync();
}

beforeAll(async () => {
  ({ replay, close } = await mountApp(settingsPin, '#/settings'));
});

afterAll(() => {
  close();
  setLang('en');
});

describe('Settings behind the manager PIN', () => {
  it('sets the manager PIN, then asks for it on save and locks after five wrong ones', async () => {
    await until(() => $('#staff-section') !== null, 'the Settings screen');
    expect($('#staff-state')!.textContent).toContain('No manager PIN');
    type('#staff-name', 'Mona');
    type('#staff-new-pin', '2468');
    button('#staff-set-btn').click();
    await until(() => $('#staff-saved') !== null, 'the PIN saved');
    expect($('#staff-list')!.textContent).toContain('Mona');
    expect($('#pin-dialog')).toBeNull();

    type('#counter-name', 'BAR2');
    button('#save-settings-btn').click();
    await until(() => $('#pin-dialog') !== null, 'the PIN prompt');
    expect($('#pin-dialog')!.textContent).toContain('This needs a staff PIN');
    for (const left of [4, 3, 2, 1]) {
      type('#pin-prompt-input', '1111');
      button('#pin-ok-btn').click();
      await until(() => $('#pin-error')?.dataset.code === 'pin_wrong' && $('#pin-error')!.textContent!.includes(`${left} more`), `${left} tries left`);
    }
    type('#pin-prompt-input', '1111');
    button('#pin-ok-btn').click();
    await until(() => $('#pin-error')?.dataset.code === 'pin_locked', 'the lock');
    expect($('#pin-error')!.textContent).toContain('locked for 30 seconds');
    // In the person's language.
    setLang('nb');
    flushSync();
    expect($('#pin-error')!.textContent).toContain('låst i 30 sekunder');
    setLang('en');
    flushSync();
    expect(button('#pin-ok-btn').disabled).toBe(true);
    expect($<HTMLInputElement>('#pin-prompt-input')!.disabled).toBe(true);
    // Counted down; once over, the PIN can be typed again.
    await new Promise((r) => setTimeout(r, 1100));
    flushSync();
    expect($('#pin-error')!.textContent).toContain('locked for 29 seconds');
    button('#pin-cancel-btn').click();
    await until(() => $('#pin-dialog') === null, 'the prompt closed');
    expect($('#settings-save-error')!.dataset.code).toBe('pin_locked');
    expect($('#settings-saved')).toBeNull();
    const saves = replay.calls.filter(([cmd]) => cmd === 'settings_save');
    expect(saves.map(([, args]) => (args!.input as { pin: string | null }).pin)).toEqual([null, '1111', '1111', '1111', '1111', '1111']);
  });
});
