import type { Localizer } from '../locales/localizer';

/** What a keyword asks for: the main menu, leaving at once, cancelling a request, or choosing the language. */
export type KeywordAction = 'help' | 'stop' | 'cancel' | 'language';

export interface KeywordMatch {
  action: KeywordAction;
  /** The language the keyword belongs to (the first enabled language that has it). */
  lang: string;
  /** What follows the keyword (a reference code after `ANNULER`), or ''. */
  rest: string;
}

const ACTIONS: KeywordAction[] = ['stop', 'help', 'cancel', 'language'];

/** Upper case, no accents, single spaces: `annulér  2345` → `ANNULER 2345`. */
function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .trim()
    .replace(/\s+/g, ' ')
    .toUpperCase();
}

/**
 * SMS and Telegram keywords in every enabled language (`keywords.help`, `keywords.stop`,
 * `keywords.cancel`: comma-separated words in each locale). `STOP` works as the first
 * word of any message; `AIDE`/`HELP` only alone; `ANNULER`/`CANCEL` alone or followed
 * by a reference code.
 */
export class Keywords {
  private readonly words = new Map<string, { action: KeywordAction; lang: string }>();

  constructor(localizer: Localizer, languages: string[]) {
    for (const lang of languages) {
      for (const action of ACTIONS) {
        const list = localizer.resources[lang]?.[`keywords.${action}`];
        if (!list) continue;
        for (const word of list.split(',').map(normalise).filter(Boolean)) {
          if (!this.words.has(word)) this.words.set(word, { action, lang });
        }
      }
    }
  }

  /**
   * Words that mean different things in different languages (or twice in one):
   * a person could end a conversation while asking for help. The content check
   * reports them.
   */
  static collisions(localizer: Localizer, languages: string[]): Array<{ word: string; uses: string[] }> {
    const uses = new Map<string, Set<string>>();
    for (const lang of languages) {
      for (const action of ACTIONS) {
        for (const word of (localizer.resources[lang]?.[`keywords.${action}`] ?? '').split(',').map(normalise).filter(Boolean)) {
          uses.set(word, (uses.get(word) ?? new Set()).add(`${action} (${lang})`));
        }
      }
    }
    return [...uses].filter(([, list]) => new Set([...list].map((u) => u.split(' ')[0])).size > 1).map(([word, list]) => ({ word, uses: [...list] }));
  }

  /** The keyword a message carries, if any. */
  match(text: string): KeywordMatch | null {
    const clean = normalise(text);
    if (clean === '') return null;
    const [first, ...others] = clean.split(' ');
    const found = this.words.get(first);
    if (!found) return null;
    const rest = others.join(' ');
    if ((found.action === 'help' || found.action === 'language') && rest !== '') return null;
    if (found.action === 'cancel' && rest !== '' && !/^[0-9 ]+$/.test(rest)) return null;
    return { ...found, rest };
  }
}
