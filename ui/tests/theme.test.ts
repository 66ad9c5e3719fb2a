import { afterEach, describe, expect, it, vi } from 'vitest';

/** The state module with the system's scheme set to `dark`, and a way to change it. */
async function withSystem(dark: boolean) {
  let listener: (() => void) | null = null;
  const query = {
    get matches() {
      return dark;
    },
    addEventListener: (_: string, l: () => void) => (listener = l),
  };
  vi.stubGlobal('matchMedia', () => query);
  vi.resetModules();
  const state = await import('../src/lib/state.svelte');
  return {
    state,
    systemTurns(next: boolean) {
      dark = next;
      listener?.();
    },
  };
}

afterEach(() => vi.unstubAllGlobals());

describe('the page palette', () => {
  const shown = () => document.documentElement.dataset.theme;

  it('follows the system in auto, and the choice otherwise', async () => {
    const { state, systemTurns } = await withSystem(true);
    state.applyTheme('auto');
    expect(shown()).toBe('dark');
    systemTurns(false);
    expect(shown()).toBe('light');
    state.applyTheme('dark');
    expect(shown()).toBe('dark');
    systemTurns(true);
    systemTurns(false);
    expect(shown()).toBe('dark');
    state.applyTheme('light');
    expect(shown()).toBe('light');
  });
});
