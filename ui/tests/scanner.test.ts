import { describe, expect, it } from 'vitest';
import { BurstDetector } from '../src/lib/scanner';

/** Feeds `keys` `gap` ms apart from t=1000 and collects what was typed and scanned. */
function run(d: BurstDetector, keys: string[], gap: number | number[]) {
  let t = 1000;
  let typed = '';
  const scans: string[] = [];
  keys.forEach((k, i) => {
    t += Array.isArray(gap) ? (gap[i] ?? 0) : gap;
    const s = d.key(k, t);
    typed += s.flush;
    if (s.scan) scans.push(s.scan);
    if (!s.hold) typed += k.length === 1 ? k : `<${k}>`;
  });
  return { typed, scans };
}

const chars = (s: string) => [...s];

describe('BurstDetector', () => {
  it('takes a fast run of 8+ digits ended by Enter as a scan and types none of it', () => {
    const r = run(new BurstDetector(), [...chars('7038010009457'), 'Enter'], 8);
    expect(r).toEqual({ typed: '', scans: ['7038010009457'] });
  });

  it('gives a person typing digits and Enter back as typing, in order', () => {
    const r = run(new BurstDetector(), [...chars('12345678'), 'Enter'], 150);
    expect(r).toEqual({ typed: '12345678<Enter>', scans: [] });
  });

  it('is typing when fast but short (fewer than 8 digits)', () => {
    const r = run(new BurstDetector(), [...chars('1234567'), 'Enter'], 5);
    expect(r).toEqual({ typed: '1234567<Enter>', scans: [] });
  });

  it('is typing when one gap in the run is slow, and the Enter after a pause is a plain Enter', () => {
    const gaps = [0, 5, 5, 5, 200, 5, 5, 5, 5, 5, 5, 5, 5];
    const r = run(new BurstDetector(), [...chars('1234567890123'), 'Enter'], gaps);
    // The run restarts after the pause and is long enough on its own: 9 digits.
    expect(r).toEqual({ typed: '1234', scans: ['567890123'] });
    const slowEnter = run(new BurstDetector(), [...chars('12345678'), 'Enter'], [0, 5, 5, 5, 5, 5, 5, 5, 300]);
    expect(slowEnter).toEqual({ typed: '12345678<Enter>', scans: [] });
  });

  it('keeps letters and digits in the order typed', () => {
    const r = run(new BurstDetector(), chars('a1b22c'), 5);
    expect(r).toEqual({ typed: 'a1b22c', scans: [] });
  });

  it('gives held digits back on a timeout', () => {
    const d = new BurstDetector();
    d.key('4', 0);
    d.key('2', 5);
    expect(d.pending).toBe('42');
    expect(d.timeout()).toBe('42');
    expect(d.pending).toBe('');
  });
});
