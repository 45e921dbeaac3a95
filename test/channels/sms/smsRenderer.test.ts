import fc from 'fast-check';
import { SegmentedMessage } from 'sms-segments-calculator';
import { createSmsRenderer, smsCost, transliterate, SMS_MAX_SEGMENTS } from '../../../src/channels/sms/smsRenderer';
import type { Reply } from '../../../src/messaging/types';
import { start, step, type StepContext } from '../../../src/flows/engine';
import { loadFlow } from '../../../src/flows/loadFlow';
import { localiseScreen } from '../../../src/gateway/localiseScreen';
import { createValidator } from '../../../src/gateway/flowData';
import { loadResources, Localizer } from '../../../src/locales/localizer';

const localizer = new Localizer(loadResources());
const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
const ctx: StepContext = {
  now: 0,
  data: { items: (source) => (source === 'languages' ? ['fr', 'en'].map((id) => ({ id, fields: {} })) : []) },
  params: { hotline: '116', emergency: 'Police 17, Pompiers 18', retentionHours: '72' },
  validate: createValidator('SN'),
  capabilities: { knowsNumber: true, leavesMessages: true },
  fits: () => true,
};

/** The French screen reached with `inputs`, in words. */
function french(...inputs: string[]): Reply {
  let result = start(flow, ctx, 'fr');
  for (const text of inputs) result = step(flow, result.state, { type: 'input', text }, ctx);
  return localiseScreen(localizer, result.screen!, 'fr');
}

describe('transliterate', () => {
  it.each([
    ['ê ô â î û ë ï ÿ', 'e o a i u e i y'],
    ['œuvre, Œil', 'oeuvre, OEil'],
    ['ça, garçon', 'ca, garcon'],
    ['« l’aide » – voilà…', `" l'aide " - voilà...`],
    // GSM-7 already has é è à ù ì ò É Ç Ä Ö Ñ Ü: they stay.
    ['été, très, à, où, Élise, Ça', 'été, très, à, où, Élise, Ça'],
  ])('%s → %s', (input, output) => {
    expect(transliterate(input)).toBe(output);
    expect(smsCost(output).encoding).toBe('GSM-7');
  });

  it('keeps characters with no GSM-7 spelling (the message stays UCS-2)', () => {
    expect(transliterate('ɛ ŋ 😊')).toBe('ɛ ŋ 😊');
  });
});

/**
 * Measured segment counts of real French screens, with and without transliteration:
 * one ê, ô or ç switches a whole message to UCS-2 (70 characters a segment, 67 when
 * split) instead of GSM-7 (160/153).
 */
describe('segment counts of French screens', () => {
  const plain = createSmsRenderer({ transliterate: false });
  const translit = createSmsRenderer({ transliterate: true });
  const cases: Array<[string, string[], { plain: [string, number]; translit: [string, number] }]> = [
    ['welcome (Français: ç)', [], { plain: ['UCS-2', 2], translit: ['GSM-7', 1] }],
    // Six entries since "Donner mon avis": 173 characters, past one segment's 160.
    ['main menu', ['1'], { plain: ['GSM-7', 2], translit: ['GSM-7', 2] }],
    // The French source avoids letters outside GSM-7 where a word allows (no "sûr", no "prêt(e)").
    ['callback consent', ['1', '2'], { plain: ['GSM-7', 2], translit: ['GSM-7', 2] }],
    ['is it safe', ['1', '2', '1'], { plain: ['GSM-7', 1], translit: ['GSM-7', 1] }],
    ['safer number', ['1', '2', '1', '2'], { plain: ['GSM-7', 1], translit: ['GSM-7', 1] }],
    ['topic of the call', ['1', '2', '1', '1'], { plain: ['GSM-7', 2], translit: ['GSM-7', 2] }],
    ['danger', ['1', '3'], { plain: ['GSM-7', 1], translit: ['GSM-7', 1] }],
  ];

  test.each(cases)('%s', (_label, inputs, expected) => {
    const reply = french(...inputs);
    const a = plain.cost(reply);
    const b = translit.cost(reply);
    expect([a.encoding, a.segments]).toEqual(expected.plain);
    expect([b.encoding, b.segments]).toEqual(expected.translit);
    expect(b.segments).toBeLessThanOrEqual(a.segments);
    expect(Math.max(a.segments, b.segments)).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
  });

  it('lays out numbered options and the global inputs as plain text', () => {
    expect(plain.render(french('1'))).toBe(
      'Menu principal\n1. Infos sur les services\n2. Demander un rappel\n3. Je suis en danger maintenant\n4. Protection de vos infos\n5. Annuler une demande\n6. Donner mon avis\n0 Quitter',
    );
  });

  it('puts the one-time notice last', () => {
    const text = translit.render({ ...french(), notice: localizer.t({ key: 'sms.reminder' }, 'fr') });
    expect(text.split('\n').pop()).toBe('Ces SMS restent sur le telephone : vous pouvez les effacer.'.replace('telephone', 'téléphone'));
  });

  it('refuses (fits = false) a reply of more than three segments, so the engine pages', () => {
    const long: Reply = { end: false, body: ['x'.repeat(153 * 3 + 1)], items: [], options: [], nav: [] };
    expect(plain.fits(long)).toBe(false);
    expect(plain.fits({ ...long, body: ['x'.repeat(153 * 3)] })).toBe(true);
    expect(plain.fits({ ...long, body: ['ê'.repeat(67 * 3)] })).toBe(true);
    expect(plain.fits({ ...long, body: ['ê'.repeat(67 * 3 + 1)] })).toBe(false);
    expect(translit.fits({ ...long, body: ['ê'.repeat(67 * 3 + 1)] })).toBe(true);
  });
});

describe('smsCost counts like sms-segments-calculator', () => {
  const basic = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  it('for any text: plain GSM-7 (counted directly), with extension characters or UCS-2 (the calculator)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...basic) }, { weight: 1, arbitrary: fc.constantFrom('€', '[', 'ê', 'œ', 'ɛ', '’') }), { maxLength: 700 }), (chars) => {
        const text = chars.join('');
        const reference = new SegmentedMessage(text);
        expect(smsCost(text)).toMatchObject({ encoding: reference.encodingName, segments: reference.segmentsCount });
      }),
      { numRuns: 500 },
    );
  });
});
