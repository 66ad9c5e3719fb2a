// Asking for a staff PIN where the core says one is needed: a guarded action is first sent
// without a PIN; when the core refuses it for want of one (pin_required, pin_wrong,
// manager_required, pin_locked), the PIN prompt (components/PinPrompt.svelte, one for the whole
// app) asks, showing why, and the action is sent again with what was typed. No rule here: which
// actions need a PIN, and whose, is decided by kasse-core.
import { isPinError, toApiError, type ApiError } from './errors';

type Ask = { error: ApiError; answer: (pin: string | null) => void };

export const pinPrompt = $state<{ ask: Ask | null }>({ ask: null });

/** Opens the prompt for `error`; the PIN typed, or null when the person cancelled. */
export function askPin(error: ApiError): Promise<string | null> {
  return new Promise((resolve) => {
    pinPrompt.ask = {
      error,
      answer: (pin) => {
        pinPrompt.ask = null;
        resolve(pin);
      },
    };
  });
}

/**
 * Runs `action` without a PIN, then with the PIN the prompt asks for for as long as the core
 * refuses it for a PIN; any other error, or a cancelled prompt, rejects with the last error.
 */
export async function withPin<T>(action: (pin: string | null) => Promise<T>, ask = askPin): Promise<T> {
  let pin: string | null = null;
  for (;;) {
    try {
      return await action(pin);
    } catch (e) {
      const err = toApiError(e);
      if (!isPinError(err.code)) throw err;
      const typed = await ask(err);
      if (typed === null) throw err;
      pin = typed;
    }
  }
}
