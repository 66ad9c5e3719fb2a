// Wires the BurstDetector (scanner.ts) to the window's keys: digits are held back, before anything
// else sees them (capture phase), until the detector says they are a scan or typing. Typing is
// given back to where it was going, in order: inserted into the text field, or replayed as keys.

import { BurstDetector } from './scanner';
import { isTyping } from './shortcuts';

/** Calls `onScan` with each scanned code until the returned function is called. */
export function listenForScans(onScan: (code: string) => void): () => void {
  const detector = new BurstDetector();
  let target: EventTarget | null = null;
  let replaying = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const typeBack = (text: string, to: EventTarget | null) => {
    if (text === '') return;
    replaying = true;
    try {
      const el = to as HTMLElement | null;
      if (el && isTyping({ target: el } as unknown as KeyboardEvent)) {
        if (document.activeElement === el) document.execCommand('insertText', false, text);
        else if (el instanceof HTMLInputElement) {
          // Focus already left (a blur from the page): the digits still end where they were typed.
          el.value += text;
          el.dispatchEvent(new Event('input', { bubbles: true }));
        }
      } else {
        for (const key of text) (el ?? window).dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
      }
    } finally {
      replaying = false;
    }
  };
  const flush = () => {
    clearTimeout(timer);
    typeBack(detector.timeout(), target);
  };
  const onKey = (e: KeyboardEvent) => {
    if (replaying || e.isComposing) return;
    const plain = !e.ctrlKey && !e.altKey && !e.metaKey;
    const step = detector.key(plain ? e.key : 'Modified', e.timeStamp);
    clearTimeout(timer);
    typeBack(step.flush, target);
    if (!step.hold) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (step.scan !== null) {
      onScan(step.scan);
      return;
    }
    target = e.target;
    timer = setTimeout(flush, 60);
  };
  window.addEventListener('keydown', onKey, true);
  window.addEventListener('pointerdown', flush, true);
  window.addEventListener('focusout', flush, true);
  return () => {
    flush();
    window.removeEventListener('keydown', onKey, true);
    window.removeEventListener('pointerdown', flush, true);
    window.removeEventListener('focusout', flush, true);
  };
}
