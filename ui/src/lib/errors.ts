// Every rejected invoke becomes a UiError {code, message} with a code from a closed set. The UI
// shows the message and a next step for the code (never the raw code).
import type { ErrorCode } from './bindings/ErrorCode';
import { ERROR_CODES } from './bindings/errorCodes';
import type { UiError } from './bindings/UiError';
import type { MessageKey } from './i18n/index';

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
  constructor(code: UiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
  toJSON(): UiError {
    return { code: this.code, message: this.message };
  }
}

/** Turns whatever an invoke rejected with into an ApiError: a UiError object from the shell, a
 *  plain string (Tauri's own errors, e.g. an unknown command or bad arguments), or a JS error. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    if (typeof o.message === 'string' && o.message !== '') {
      return new ApiError(isErrorCode(o.code) ? o.code : 'internal', o.message);
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
  return code === 'invalid_input' || code === 'amount_exceeds' || code === 'pin_required' || code === 'pin_wrong';
}
