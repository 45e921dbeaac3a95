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
    ['1', null],
    ['', null],
    ['bonjour', null],
  ])('%j', (text, expected) => {
    expect(keywords.match(text)).toEqual(expected);
  });

  it('only knows the enabled languages', () => {
    expect(new Keywords(new Localizer(loadResources()), ['fr']).match('HELP')).toBeNull();
  });
});
