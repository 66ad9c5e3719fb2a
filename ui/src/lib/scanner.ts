// A barcode scanner on USB ("keyboard wedge") types the code's digits faster than a person can,
// then Enter. BurstDetector tells the two apart by the gaps between keys: digits are held back
// as they come; a run of at least `minLength` digits each within `maxGapMs` of the last, ended by
// Enter, is a scan (and none of it is typed); anything else is given back as typed, in order.
// Pure (times are passed in), so tests drive it with any clock; scan-keys.ts wires it to keydown.

export type BurstOptions = { minLength: number; maxGapMs: number };

export const SCAN_DEFAULTS: BurstOptions = { minLength: 8, maxGapMs: 50 };

/** What to do with a key: `hold` it back (the caller prevents it), type `flush` first, `scan`. */
export type BurstStep = { hold: boolean; flush: string; scan: string | null };

export class BurstDetector {
  private buffer = '';
  private last = 0;

  constructor(private readonly opts: BurstOptions = SCAN_DEFAULTS) {}

  /** Digits held back so far. */
  get pending(): string {
    return this.buffer;
  }

  /** The key `key` (KeyboardEvent.key) was pressed at `time` (ms). */
  key(key: string, time: number): BurstStep {
    const late = this.buffer !== '' && time - this.last > this.opts.maxGapMs;
    if (/^[0-9]$/.test(key)) {
      const flush = late ? this.take() : '';
      this.buffer += key;
      this.last = time;
      return { hold: true, flush, scan: null };
    }
    if (key === 'Enter' && !late && this.buffer.length >= this.opts.minLength) {
      return { hold: true, flush: '', scan: this.take() };
    }
    return { hold: false, flush: this.take(), scan: null };
  }

  /** No key came for a while: what was held back is typing. */
  timeout(): string {
    return this.take();
  }

  private take(): string {
    const b = this.buffer;
    this.buffer = '';
    return b;
  }
}
