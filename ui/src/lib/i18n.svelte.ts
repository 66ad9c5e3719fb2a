// The current language as reactive state; `t()` read in a template re-renders on a switch.
import { translate, type Lang, type MessageKey } from './i18n/index';

export const i18n = $state<{ lang: Lang }>({ lang: 'en' });

export function setLang(lang: Lang): void {
  i18n.lang = lang;
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'nb' ? 'nb' : lang;
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translate(i18n.lang, key, params);
}
