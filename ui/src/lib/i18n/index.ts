import { en, type MessageKey } from './en';
import { nb } from './nb';
import { sv } from './sv';

export type { MessageKey };
export type Lang = 'en' | 'nb' | 'sv';

export const LANGUAGES: { code: Lang; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'nb', name: 'Norsk bokmål' },
  { code: 'sv', name: 'Svenska' },
];

/** Every language has every key: `nb` and `sv` are typed `Record<MessageKey, string>`, so a key
 *  added to en.ts and missing in either fails `npm run check` (and ui/tests/i18n.test.ts). */
export const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, nb, sv };

export function isLang(x: string): x is Lang {
  return x === 'en' || x === 'nb' || x === 'sv';
}

/** "no", "nb-NO", "nn" → nb; "sv-SE" → sv; else en. */
export function toLang(tag: string | null | undefined): Lang {
  const t = (tag ?? '').toLowerCase();
  if (t.startsWith('nb') || t.startsWith('no') || t.startsWith('nn')) return 'nb';
  if (t.startsWith('sv')) return 'sv';
  return 'en';
}

export function translate(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const s = dictionaries[lang]?.[key] ?? en[key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}
