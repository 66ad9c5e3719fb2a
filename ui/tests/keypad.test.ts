import { describe, expect, it } from 'vitest';
import { emptyKeypad, keyFromKeyboard, keypadDisplay, keypadMinor, keypadQuantity, press, MAX_WHOLE_DIGITS, type Keypad, type KeypadKey } from '../src/lib/keypad';

function type(keys: KeypadKey[], decimals = 2): Keypad {
  return keys.reduce((s, k) => press(s, k, decimals), emptyKeypad);
}

describe('keypad amount entry', () => {
  it('types whole amounts in major units', () => {
    const s = type(['4', '9']);
    expect(s.text).toBe('49');
    expect(keypadMinor(s, 2)).toBe(4900);
  });
  it('types decimals up to the currency minor units', () => {
    const s = type(['4', '9', 'decimal', '5', '0', '7']);
    expect(s.text).toBe('49.50');
    expect(keypadMinor(s, 2)).toBe(4950);
    expect(keypadMinor(type(['4', 'decimal', '5']), 2)).toBe(450);
  });
  it('"00" appends two zeros; leading zeros are dropped', () => {
    expect(type(['1', '00']).text).toBe('100');
    expect(type(['0', '0', '7']).text).toBe('7');
    expect(type(['00']).text).toBe('0');
  });
  it('decimal first gives "0."; a second decimal is ignored', () => {
    expect(type(['decimal', '5']).text).toBe('0.5');
    expect(type(['1', 'decimal', 'decimal', '2']).text).toBe('1.2');
  });
  it('no decimals for a zero-decimal currency', () => {
    expect(type(['5', 'decimal', '5'], 0).text).toBe('55');
  });
  it('backspace and clear', () => {
    expect(type(['1', '2', '3', 'back']).text).toBe('12');
    expect(type(['1', '2', 'clear']).text).toBe('');
    expect(type(['back']).text).toBe('');
  });
  it('caps the number of whole digits', () => {
    const s = type(Array(12).fill('9') as KeypadKey[]);
    expect(s.text.length).toBe(MAX_WHOLE_DIGITS);
  });
  it('nothing or zero typed is no amount', () => {
    expect(keypadMinor(emptyKeypad, 2)).toBeNull();
    expect(keypadMinor(type(['0']), 2)).toBeNull();
    expect(keypadMinor(type(['0', 'decimal', '0', '0']), 2)).toBeNull();
  });
  it('reads quantities with up to 3 decimals', () => {
    expect(keypadQuantity(type(['3']))).toBe('3');
    expect(keypadQuantity(type(['0', 'decimal', '3', '7', '5'], 3))).toBe('0.375');
    expect(keypadQuantity(type(['2', 'decimal', '5', '0'], 3))).toBe('2.5');
    expect(keypadQuantity(type(['0']))).toBeNull();
  });
  it('shows the language decimal separator', () => {
    expect(keypadDisplay(type(['1', 'decimal', '5']), ',')).toBe('1,5');
  });
  it('maps keyboard keys', () => {
    expect(keyFromKeyboard('7')).toBe('7');
    expect(keyFromKeyboard(',')).toBe('decimal');
    expect(keyFromKeyboard('.')).toBe('decimal');
    expect(keyFromKeyboard('Backspace')).toBe('back');
    expect(keyFromKeyboard('a')).toBeNull();
  });
});
