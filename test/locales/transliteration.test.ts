import { transliterate } from '../../src/channels/gsm7';
import { loadResources } from '../../src/locales/localizer';

/**
 * USSD and SMS travel in GSM-7: letters outside it are transliterated (û → u, ê → e).
 * The French source is written so that this never turns a word into another word
 * ("sûr", safe, became "sur", on): words whose accent-free spelling is another French
 * word are not used.
 */
const CHANGES_MEANING = new Set([
  'sûr',
  'sûre',
  'sûrs',
  'sûres',
  'dû',
  'due',
  'mûr',
  'mûre',
  'mûrs',
  'vôtre',
  'vôtres',
  'nôtre',
  'nôtres',
  'côte',
  'côtes',
  'tâche',
  'tâches',
  'pêche',
  'pêcher',
  'jeûne',
  'forêt',
  'hâler',
  'châsse',
  'bâiller',
  'côté',
  'rôder',
  'âcre',
  'fût',
  'eût',
  'crû',
  'crûs',
  'goûter',
  'À',
  'Où',
  'Là',
  'Çà',
  'Dû',
  'Sûr',
]);

describe('the French words, transliterated to GSM-7', () => {
  const fr = loadResources().fr;
  it.each(Object.entries(fr).filter(([key]) => !key.startsWith('languages.')))('%s keeps its meaning', (_key, text) => {
    const changed = text.split(/[^\p{L}']+/u).filter((word) => word && transliterate(word) !== word);
    expect(changed.filter((word) => CHANGES_MEANING.has(word) || CHANGES_MEANING.has(word.toLowerCase()))).toEqual([]);
  });

  it('has no letter left outside GSM-7 once transliterated (nothing garbled by an operator)', () => {
    for (const text of Object.values(fr)) expect(transliterate(text)).toMatch(/^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€]*$/);
  });

  it('would have caught "sûr"', () => {
    expect(transliterate('sûr')).toBe('sur');
    expect(CHANGES_MEANING.has('sûr')).toBe(true);
  });
});
