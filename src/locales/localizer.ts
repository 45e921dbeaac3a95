import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import type { Text } from '../flows/engine';

/** The reference language: every key exists in it, every other language falls back to it. */
export const REFERENCE_LANGUAGE = 'fr';

export type Resources = Record<string, Record<string, string>>;

/** Reads `src/locales/<lang>/translation.json` for each language folder. */
export function loadResources(dir: string = __dirname): Resources {
  const resources: Resources = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = path.join(dir, entry.name, 'translation.json');
    if (fs.existsSync(file)) resources[entry.name] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return resources;
}

/**
 * Turns engine text (keys with values) into words in a language, with i18next.
 * Keys are flat (`callback.consent.yes`); a key missing in a language falls back to
 * French and is counted, never silent.
 */
export class Localizer {
  private readonly i18n: i18n;
  private readonly reference: Record<string, string>;
  /** Fallbacks to the reference language, per `lang:key`. */
  readonly fallbacks = new Map<string, number>();

  constructor(readonly resources: Resources) {
    if (!resources[REFERENCE_LANGUAGE]) throw new Error(`locales: the reference language "${REFERENCE_LANGUAGE}" is missing`);
    this.reference = resources[REFERENCE_LANGUAGE];
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      initAsync: false,
      resources: Object.fromEntries(Object.entries(resources).map(([lang, res]) => [lang, { translation: res }])),
      lng: REFERENCE_LANGUAGE,
      fallbackLng: REFERENCE_LANGUAGE,
      keySeparator: false,
      nsSeparator: false,
      interpolation: { escapeValue: false },
      returnNull: false,
      showSupportNotice: false,
    } as Parameters<i18n['init']>[0]);
  }

  /** True when the reference language has this key. */
  hasKey(key: string): boolean {
    return key in this.reference;
  }

  /** The words for `text` in `lang`. */
  t(text: Text, lang: string): string {
    if ('raw' in text) return text.raw;
    if (!(text.key in (this.resources[lang] ?? {}))) {
      const id = `${lang}:${text.key}`;
      this.fallbacks.set(id, (this.fallbacks.get(id) ?? 0) + 1);
    }
    if (!text.vars) return this.i18n.t(text.key, { lng: lang });
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(text.vars)) values[name] = typeof value === 'string' ? value : this.t(value, lang);
    return this.i18n.t(text.key, { lng: lang, ...values });
  }
}
