// Every rejected invoke becomes a UiError {code, message} with a code from a closed set. The UI
// shows the message and a next step for the code (never the raw code).
import type { ErrorCode } from './bindings/ErrorCode';
import { ERROR_CODES } from './bindings/errorCodes';
import type { UiError } from './bindings/UiError';
import { translate, type Lang, type MessageKey } from './i18n/index';

/** The closed set of codes the shell sends: kasse-core's ErrorCode, generated. Anything else
 *  becomes `internal`. */
export { ERROR_CODES };

export type UiErrorCode = ErrorCode;

export function isErrorCode(x: unknown): x is UiErrorCode {
  return typeof x === 'string' && (ERROR_CODES as readonly string[]).includes(x);
}

/** An Error carrying a UiError, thrown by api.ts for every failed command. */
export class ApiError extends Error implements UiError {
  readonly code: UiErrorCode;
  /** pin_wrong: wrong PINs left before PIN actions lock. */
  readonly tries_left?: number;
  /** pin_locked: seconds until PIN actions open again. */
  readonly locked_seconds?: number;
  constructor(code: UiErrorCode, message: string, pin?: { tries_left?: number; locked_seconds?: number }) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    if (pin?.tries_left !== undefined) this.tries_left = pin.tries_left;
    if (pin?.locked_seconds !== undefined) this.locked_seconds = pin.locked_seconds;
  }
  toJSON(): UiError {
    const e: UiError = { code: this.code, message: this.message };
    if (this.tries_left !== undefined) e.tries_left = this.tries_left;
    if (this.locked_seconds !== undefined) e.locked_seconds = this.locked_seconds;
    return e;
  }
}

/** The refusals a PIN can answer: the core said a PIN (or another one) is needed. */
export function isPinError(code: UiErrorCode): boolean {
  return code === 'pin_required' || code === 'pin_wrong' || code === 'pin_locked' || code === 'manager_required';
}

/** The parameters of a code's next step: the tries left, how long PIN actions stay locked. */
export function nextStepParams(e: { tries_left?: number; locked_seconds?: number }): Record<string, number> {
  return { n: e.tries_left ?? 0, s: e.locked_seconds ?? 0 };
}

/** Turns whatever an invoke rejected with into an ApiError: a UiError object from the shell, a
 *  plain string (Tauri's own errors, e.g. an unknown command or bad arguments), or a JS error. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; tries_left?: unknown; locked_seconds?: unknown };
    if (typeof o.message === 'string' && o.message !== '') {
      const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
      return new ApiError(isErrorCode(o.code) ? o.code : 'internal', o.message, {
        tries_left: num(o.tries_left),
        locked_seconds: num(o.locked_seconds),
      });
    }
    if (e instanceof Error) return new ApiError('internal', e.message || String(e));
  }
  if (typeof e === 'string' && e !== '') {
    // Network failures of fetch-based transports, should the shell ever use one.
    if (/network|connection|timed? ?out|offline/i.test(e)) return new ApiError('network', e);
    return new ApiError('internal', e);
  }
  return new ApiError('internal', 'Unexpected error');
}

/** The message key of the next step for a code. */
export function nextStepKey(code: UiErrorCode): MessageKey {
  return `error.next.${code}` as MessageKey;
}

/** Which codes mean "the field you typed is wrong" (shown inline next to the field). */
export function isFieldError(code: UiErrorCode): boolean {
  return code === 'invalid_input' || code === 'amount_exceeds' || isPinError(code);
}

/** The core's own English names of a sale's status that are no words (`on_hold`) or are
 *  spelt otherwise on screen (`authorized`), as the UI's English writes them mid-sentence. */
const STATUS_WORDS: [RegExp, MessageKey][] = (
  ['on_hold', 'charge_failed', 'partially_captured_refunded', 'partially_captured', 'partially_refunded', 'authorized'] as const
).map((s) => [new RegExp(`\\b${s}\\b`, 'g'), `status.${s}` as MessageKey]);

/** A message of the core's (English) with each status named in words ("the sale is already
 *  on_hold" reads "the sale is already on hold") and without Dintero's error code after its
 *  HTTP status ("(HTTP 400, invalid_state)" reads "(HTTP 400)"): the log keeps both. */
export function readableMessage(message: string): string {
  const named = STATUS_WORDS.reduce((m, [re, key]) => m.replace(re, () => lowerFirst(translate('en', key))), message);
  return named.replace(/\(HTTP (\d{3}), [a-z0-9]+(?:_[a-z0-9]+)+\)/g, '(HTTP $1)');
}

/** What went wrong, as the cashier reads it: in English the core's own sentence (statuses
 *  named in words), in any other language the UI's text for the code, never the core's English. */
export function errorHeadline(e: { code: UiErrorCode; message: string }, lang: Lang): string {
  return lang === 'en' ? readableMessage(e.message) : translate(lang, `error.what.${e.code}` as MessageKey);
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
