// The numeric keypad: a small pure state machine, used for the free amount (major units with
// the currency's decimals) and for quantities (up to 3 decimals, for weighed goods).

export type KeypadKey =
  | '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9'
  | '00' | 'decimal' | 'back' | 'clear';

export type Keypad = {
  /** What was typed, with '.' as the decimal separator; "" when empty. */
  text: string;
};

export const emptyKeypad: Keypad = { text: '' };

/** Max integer digits: 7 → up to 9 999 999 kr, enough for a counter, small enough to read. */
export const MAX_WHOLE_DIGITS = 7;

export function press(state: Keypad, key: KeypadKey, maxDecimals: number): Keypad {
  const t = state.text;
  switch (key) {
    case 'clear':
      return emptyKeypad;
    case 'back':
      return { text: t.slice(0, -1) };
    case 'decimal':
      if (maxDecimals === 0 || t.includes('.')) return state;
      return { text: (t === '' ? '0' : t) + '.' };
    default: {
      let next = t;
      for (const ch of key) next = appendDigit(next, ch, maxDecimals);
      return { text: next };
    }
  }
}

function appendDigit(t: string, d: string, maxDecimals: number): string {
  const dot = t.indexOf('.');
  if (dot >= 0) {
    if (t.length - dot - 1 >= maxDecimals) return t; // no more decimals allowed
    return t + d;
  }
  if (t === '0') return d === '0' ? t : d; // no leading zeros
  if (t === '' && d === '0') return '0';
  if (t.length >= MAX_WHOLE_DIGITS) return t;
  return t + d;
}

/** Maps a keyboard key to a keypad key (digits, ',' '.', Backspace, Delete/c). */
export function keyFromKeyboard(key: string): KeypadKey | null {
  if (/^[0-9]$/.test(key)) return key as KeypadKey;
  if (key === ',' || key === '.') return 'decimal';
  if (key === 'Backspace') return 'back';
  return null;
}

/** The typed amount in minor units, or null when nothing (or only "0.") was typed. */
export function keypadMinor(state: Keypad, minorDigits: number): number | null {
  if (state.text === '' ) return null;
  const [w, f = ''] = state.text.split('.');
  const v = Number(w || '0') * 10 ** minorDigits + Number((f + '0'.repeat(minorDigits)).slice(0, minorDigits) || '0');
  return v > 0 ? v : null;
}

/** The typed quantity as a normalised decimal string ("2", "0.375"), or null for nothing / 0. */
export function keypadQuantity(state: Keypad): string | null {
  if (state.text === '') return null;
  let [w, f = ''] = state.text.split('.');
  f = f.replace(/0+$/, '');
  w = (w || '0').replace(/^0+(?=\d)/, '');
  if (/^0*$/.test(w) && f === '') return null;
  return f ? `${w}.${f}` : w;
}

/** How the entry looks on the display, with the language's decimal separator. */
export function keypadDisplay(state: Keypad, sep: string): string {
  return state.text.replace('.', sep);
}
