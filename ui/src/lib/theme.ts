// The theme the counter chose (Settings' light / dark / auto), kept in the webview's storage so
// every page of the app (the counter, the pay window) starts in it; `auto` follows the system.
// No Svelte state here: the pay window's page uses it without the counter's state.

export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'kasse.theme';

/** The stored theme (`auto` when none, or storage is unavailable). */
export function storedTheme(): Theme {
  let t: string | null = null;
  try {
    t = localStorage.getItem(KEY);
  } catch {
    t = null;
  }
  return t === 'light' || t === 'dark' ? t : 'auto';
}

/** Remembers the theme for the next page. */
export function storeTheme(theme: Theme): void {
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    /* storage may be unavailable */
  }
}

/** Whether `theme` shows dark now (in `auto`, the system's choice). */
export function isDark(theme: Theme): boolean {
  if (theme !== 'auto') return theme === 'dark';
  return typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches;
}
