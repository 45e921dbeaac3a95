import { Keywords } from '../../src/gateway/keywords';
import { loadResources, Localizer } from '../../src/locales/localizer';

const keywords = new Keywords(new Localizer(loadResources()), ['fr', 'en']);

describe('Keywords', () => {
  it.each([
    ['STOP', { action: 'stop', lang: 'fr', rest: '' }],
    ['  stop  ', { action: 'stop', lang: 'fr', rest: '' }],
    ['Stop please', { action: 'stop', lang: 'fr', rest: 'PLEASE' }],
    ['quitter', { action: 'stop', lang: 'fr', rest: '' }],
    ['EXIT', { action: 'stop', lang: 'en', rest: '' }],
    ['aide', { action: 'help', lang: 'fr', rest: '' }],
    ['Aïde', { action: 'help', lang: 'fr', rest: '' }], // accents do not matter
    ['HELP', { action: 'help', lang: 'en', rest: '' }],
    ['menu', { action: 'help', lang: 'fr', rest: '' }],
    ['aide moi', null],
    ['annuler', { action: 'cancel', lang: 'fr', rest: '' }],
    ['Annulér 2345 6789', { action: 'cancel', lang: 'fr', rest: '2345 6789' }],
    ['cancel 23456789', { action: 'cancel', lang: 'en', rest: '23456789' }],
    ['annuler ma demande', null],
    ['langue', { action: 'language', lang: 'fr', rest: '' }],
    ['LANGUAGE', { action: 'language', lang: 'en', rest: '' }],
    ['langue française', null],
    ['1', null],
    ['', null],
    ['bonjour', null],
  ])('%j', (text, expected) => {
    expect(keywords.match(text)).toEqual(expected);
  });

  it('knows Wolof and Bambara keywords when they are enabled', () => {
    const all = new Keywords(new Localizer(loadResources()), ['fr', 'en', 'wo', 'bm']);
    expect(all.match('ndimbal')).toEqual({ action: 'help', lang: 'wo', rest: '' });
    expect(all.match('Làkk')).toEqual({ action: 'language', lang: 'wo', rest: '' });
    expect(all.match('dabila 2345 6789')).toEqual({ action: 'cancel', lang: 'bm', rest: '2345 6789' });
    expect(all.match('kan')).toEqual({ action: 'language', lang: 'bm', rest: '' });
  });

  it('the shipped keywords never mean two things across languages', () => {
    expect(Keywords.collisions(new Localizer(loadResources()), ['fr', 'en', 'wo', 'bm'])).toEqual([]);
  });

  it('finds a word that means two things', () => {
    const resources = loadResources();
    const clash = new Localizer({ ...resources, wo: { ...resources.wo, 'keywords.stop': 'STOP,AIDE' } });
    expect(Keywords.collisions(clash, ['fr', 'wo'])).toEqual([{ word: 'AIDE', uses: ['help (fr)', 'stop (wo)'] }]);
  });

  it('only knows the enabled languages', () => {
    expect(new Keywords(new Localizer(loadResources()), ['fr']).match('HELP')).toBeNull();
  });
});
