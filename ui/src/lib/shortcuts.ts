// Keyboard shortcuts. App.svelte handles the global ones; the current screen registers a handler
// for its own keys. Typing in a text field never triggers letter or digit shortcuts.

export type KeyHandler = (e: KeyboardEvent) => boolean;

let screenHandler: KeyHandler | null = null;

/** A screen takes the keys (returns a function that gives them back). */
export function useScreenKeys(h: KeyHandler): () => void {
  screenHandler = h;
  return () => {
    if (screenHandler === h) screenHandler = null;
  };
}

export function screenKeys(e: KeyboardEvent): boolean {
  return screenHandler ? screenHandler(e) : false;
}

/** True when the key goes to a text field (so plain keys are not shortcuts). */
export function isTyping(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(type);
  }
  return false;
}

export type ShortcutHelp = { keys: string[]; what: import('./i18n/index').MessageKey };

export const SHORTCUTS: ShortcutHelp[] = [
  { keys: ['F2'], what: 'help.k_charge' },
  { keys: ['Esc'], what: 'help.k_escape' },
  { keys: ['0–9', '00'], what: 'help.k_digits' },
  { keys: [',', '.'], what: 'help.k_decimal' },
  { keys: ['Enter'], what: 'help.k_enter' },
  { keys: ['*', 'x'], what: 'help.k_times' },
  { keys: ['Ctrl+1…9'], what: 'help.k_quick' },
  { keys: ['+', '−'], what: 'help.k_plusminus' },
  { keys: ['Delete'], what: 'help.k_delete' },
  { keys: ['v'], what: 'help.k_vat' },
  { keys: ['F3'], what: 'help.k_park' },
  { keys: ['F4'], what: 'help.k_payhere' },
  { keys: ['/'], what: 'help.k_search' },
  { keys: ['Alt+1', 'Alt+2', 'Alt+3', 'Alt+4'], what: 'help.k_nav' },
  { keys: ['Alt+P'], what: 'help.k_parked' },
  { keys: ['Alt+T'], what: 'help.k_theme' },
  { keys: ['?'], what: 'help.k_help' },
];

/** Number of open modal dialogs: while one is open, screens get no keys. */
let modals = 0;
export function modalOpened(): () => void {
  modals++;
  return () => {
    modals = Math.max(0, modals - 1);
  };
}
export function modalIsOpen(): boolean {
  return modals > 0;
}

/** Set by "/" so the Transactions screen focuses its search box when it mounts. */
export const pendingFocus = { search: false };
