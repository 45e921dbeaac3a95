import en from './locales/en.json';
import fr from './locales/fr.json';

/** Console languages: French is the reference, English second. */
export const CONSOLE_LANGUAGES = ['fr', 'en'] as const;
export type ConsoleLang = (typeof CONSOLE_LANGUAGES)[number];

const resources: Record<ConsoleLang, Record<string, string>> = { fr, en };

/** A console text; a key missing in English falls back to French, then to the key itself (codes such as a new queue). */
export function translate(lang: ConsoleLang, key: string, params: Record<string, string | number> = {}): string {
  const text = resources[lang][key] ?? resources.fr[key];
  if (text === undefined) return key.includes('.') ? key.slice(key.indexOf('.') + 1) : key;
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => String(params[name] ?? ''));
}

/** Whether a text exists (to show a code as is when it has no label). */
export function hasText(key: string): boolean {
  return key in resources.fr;
}

/** The text of an error code (`error.<code>`), or the generic one when the code has none. */
export function errorText(lang: ConsoleLang, code: string): string {
  return hasText(`error.${code}`) ? translate(lang, `error.${code}`) : translate(lang, 'error.other');
}
