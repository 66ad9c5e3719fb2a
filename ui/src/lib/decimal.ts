// Exact decimal strings for quantities ("0.375") and VAT rates ("25.5"), as the core wants them.

/** Normalises "2", "2,50", " 0.375 " → "2", "2.5", "0.375"; null if not a non-negative decimal
 *  with at most `maxDecimals` decimals. */
export function normalizeDecimal(text: string, maxDecimals: number): string | null {
  const t = text.trim().replace(',', '.');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  let frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > maxDecimals) return null;
  const whole = (m[1] || '0').replace(/^0+(?=\d)/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/** Scaled integer of a normalised decimal: toScaled("0.375", 3) → 375. */
export function toScaled(value: string, decimals: number): number {
  const [w, f = ''] = value.split('.');
  return Number(w) * 10 ** decimals + Number((f + '0'.repeat(decimals)).slice(0, decimals) || '0');
}

/** Inverse of toScaled: fromScaled(375, 3) → "0.375", fromScaled(2000, 3) → "2". */
export function fromScaled(n: number, decimals: number): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  const whole = Math.floor(abs / 10 ** decimals);
  const frac = String(abs % 10 ** decimals).padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}

/** Adds two decimal strings exactly (quantities: 3 decimals). */
export function addDecimal(a: string, b: string, decimals = 3): string {
  return fromScaled(toScaled(a, decimals) + toScaled(b, decimals), decimals);
}

export function compareDecimal(a: string, b: string, decimals = 3): number {
  return Math.sign(toScaled(a, decimals) - toScaled(b, decimals));
}

/** Integer division rounded half away from zero (the core's rounding rule). */
export function divRound(num: number, den: number): number {
  const q = Math.abs(num) / Math.abs(den);
  const r = Math.floor(q + 0.5);
  return Math.sign(num) * Math.sign(den) * r;
}
