import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import type { Text } from '../flows/engine';

/** The reference language: every key exists in it, every other language falls back to it. */
export const REFERENCE_LANGUAGE = 'fr';

export type Resources = Record<string, Record<string, string>>;

const CACHE_LIMIT = 20_000;

/** Review state of one string: `draft` strings are shown only where the deployment allows it. */
export interface ReviewEntry {
  status: 'draft' | 'reviewed';
  note?: string;
}

/** What a language folder says about itself besides its strings. */
export interface LanguagePack {
  /** The language's name in itself, as the language menu shows it. */
  name: string;
  /** The language's name in English, for reports. */
  englishName: string;
  /** Per key: draft or reviewed, and translator notes. A key not listed is a draft. */
  review: Record<string, ReviewEntry>;
  /** `GSM-7`: every string must be writable in the GSM 7-bit alphabet (so SMS stay cheap and basic phones show them). */
  encoding?: 'GSM-7';
}

/** Reads `meta.json` and `review.json` of each language folder. */
export function loadPacks(dir: string = __dirname): Record<string, LanguagePack> {
  const packs: Record<string, LanguagePack> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !fs.existsSync(path.join(dir, entry.name, 'translation.json'))) continue;
    const read = (name: string) => {
      const file = path.join(dir, entry.name, name);
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
    };
    const meta = read('meta.json') as { name?: string; englishName?: string; encoding?: 'GSM-7' };
    packs[entry.name] = {
      name: meta.name ?? entry.name,
      englishName: meta.englishName ?? entry.name,
      review: read('review.json'),
      ...(meta.encoding === 'GSM-7' ? { encoding: meta.encoding } : {}),
    };
  }
  return packs;
}

/** The review status of a key in a language (the reference language is reviewed by definition). */
export function statusOf(packs: Record<string, LanguagePack>, lang: string, key: string): 'draft' | 'reviewed' {
  if (lang === REFERENCE_LANGUAGE) return 'reviewed';
  return packs[lang]?.review[key]?.status === 'reviewed' ? 'reviewed' : 'draft';
}

export interface LocalizerOptions {
  /** Language names and review status; without them every string counts as usable. */
  packs?: Record<string, LanguagePack>;
  /** Show draft strings (otherwise the French string is used, and counted). */
  showDrafts?: boolean;
}

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
  private readonly cache = new Map<string, string>();
  /** Fallbacks to the reference language, per `lang:key` (missing, or a draft not shown). */
  readonly fallbacks = new Map<string, number>();
  private readonly usable: Resources;

  constructor(
    readonly resources: Resources,
    readonly options: LocalizerOptions = {},
  ) {
    if (!resources[REFERENCE_LANGUAGE]) throw new Error(`locales: the reference language "${REFERENCE_LANGUAGE}" is missing`);
    this.reference = resources[REFERENCE_LANGUAGE];
    // Strings a person may see: reviewed ones, and drafts where the deployment allows them.
    this.usable = Object.fromEntries(
      Object.entries(resources).map(([lang, res]) => [
        lang,
        options.packs && !options.showDrafts ? Object.fromEntries(Object.entries(res).filter(([key]) => statusOf(options.packs!, lang, key) === 'reviewed')) : res,
      ]),
    );
    this.i18n = i18next.createInstance();
    void this.i18n.init({
      initAsync: false,
      resources: Object.fromEntries(Object.entries(this.usable).map(([lang, res]) => [lang, { translation: res }])),
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

  /**
   * The words for `text` in `lang`. `remember: false` keeps them out of the cache: the
   * last screen of a request carries its reference code, which must not outlive the session.
   */
  t(text: Text, lang: string, { remember = true }: { remember?: boolean } = {}): string {
    if ('raw' in text) return text.raw;
    // Each language is named in itself, whatever the language of the screen.
    if (text.key.startsWith('languages.') && this.options.packs) {
      const pack = this.options.packs[text.key.slice('languages.'.length)];
      if (pack) return pack.name;
    }
    if (!(text.key in (this.usable[lang] ?? {}))) {
      const id = `${lang}:${text.key}`;
      this.fallbacks.set(id, (this.fallbacks.get(id) ?? 0) + 1);
    }
    // Screens are localised many times while pages are cut: the same text always gives
    // the same words, so they are kept (bounded; the cache is dropped when full).
    const id = text.vars ? `${lang}\u0000${JSON.stringify(text)}` : `${lang}\u0000${text.key}`;
    const known = this.cache.get(id);
    if (known !== undefined) return known;
    let words: string;
    if (!text.vars) words = this.i18n.t(text.key, { lng: lang });
    else {
      const values: Record<string, string> = {};
      for (const [name, value] of Object.entries(text.vars)) values[name] = typeof value === 'string' ? value : this.t(value, lang, { remember });
      words = this.i18n.t(text.key, { lng: lang, ...values });
    }
    if (!remember && text.vars) return words;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(id, words);
    return words;
  }
}
