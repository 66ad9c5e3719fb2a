// withPin: sent without a PIN first, then with what the prompt gives, for as long as the core
// refuses for a PIN; any other error, or a cancelled prompt, ends it.
import { flushSync, mount, unmount } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import PinPrompt from '../src/components/PinPrompt.svelte';
import { ApiError } from '../src/lib/errors';
import { askPin, withPin } from '../src/lib/pin.svelte';

describe('withPin', () => {
  it('asks again after each PIN refusal and sends what was typed', async () => {
    const sent: (string | null)[] = [];
    const asked: string[] = [];
    const answers = ['1111', '4711'];
    const result = await withPin(
      async (pin) => {
        sent.push(pin);
        if (pin === null) throw new ApiError('pin_required', 'a staff PIN is needed');
        if (pin !== '4711') throw new ApiError('pin_wrong', 'wrong', { tries_left: 4 });
        return 'done';
      },
      async (e) => {
        asked.push(e.code);
        return answers.shift() ?? null;
      },
    );
    expect(result).toBe('done');
    expect(sent).toEqual([null, '1111', '4711']);
    expect(asked).toEqual(['pin_required', 'pin_wrong']);
  });

  it('passes other errors on, and stops when the prompt is cancelled', async () => {
    await expect(withPin(async () => { throw new ApiError('network', 'down'); }, async () => '1')).rejects.toMatchObject({ code: 'network' });
    const locked = new ApiError('pin_locked', 'locked', { locked_seconds: 30 });
    await expect(withPin(async () => { throw locked; }, async () => null)).rejects.toMatchObject({ code: 'pin_locked', locked_seconds: 30 });
  });
});

describe('the PIN prompt', () => {
  it('counts a lock down and takes the PIN again once it is over', async () => {
    vi.useFakeTimers();
    document.body.innerHTML = '<div id="root"></div>';
    const prompt = mount(PinPrompt, { target: document.getElementById('root')! });
    const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
    const answer = askPin(new ApiError('pin_locked', 'locked', { locked_seconds: 2 }));
    flushSync();
    expect($('#pin-error').textContent).toContain('locked for 2 seconds');
    expect($<HTMLInputElement>('#pin-prompt-input').disabled).toBe(true);
    vi.advanceTimersByTime(1000);
    flushSync();
    expect($('#pin-error').textContent).toContain('locked for 1 seconds');
    vi.advanceTimersByTime(1000);
    flushSync();
    expect($('#pin-error').textContent).toContain('open again');
    const input = $<HTMLInputElement>('#pin-prompt-input');
    expect(input.disabled).toBe(false);
    input.value = '4711';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    flushSync();
    $<HTMLButtonElement>('#pin-ok-btn').click();
    await expect(answer).resolves.toBe('4711');
    unmount(prompt);
    vi.useRealTimers();
  });
});
