import fs from 'node:fs';
import { ussdRenderer, USSD_MAX_SEPTETS } from '../../src/channels/africastalking/ussdRenderer';
import { isGsm7, septets } from '../../src/channels/gsm7';
import { createSmsRenderer, SMS_MAX_SEGMENTS, smsCost } from '../../src/channels/sms/smsRenderer';
import { renderTelegram, TELEGRAM_LIMITS, telegramRenderer } from '../../src/channels/telegram/telegramRenderer';
import { flowParams, loadConfig } from '../../src/config';
import { FIRST_REPLIES } from '../../src/content/contentCheck';
import { enumerateScreens, LONG_REGION, withLongEntry, type EnumerateOptions } from '../../src/content/screens';
import { DEMO_DIRECTORY_FILE, Directory, DirectoryFile } from '../../src/directory/directory';
import { loadFlow } from '../../src/flows/loadFlow';
import { createFlowData, createValidator } from '../../src/gateway/flowData';
import { loadResources, Localizer } from '../../src/locales/localizer';

/**
 * Renders every screen of every flow, in every language, with every value a
 * placeholder can take, on every page, with and without a correction hint (the
 * enumeration `passerelle content check` uses), and checks each against the USSD
 * limit, the SMS budget (three segments, with and without transliteration, with the
 * one-time reminder) and Telegram's limits.
 */
const localizer = new Localizer(loadResources());
const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
const languages = Object.keys(localizer.resources);
const directory = Directory.fromFile(DirectoryFile.parse(JSON.parse(fs.readFileSync(DEMO_DIRECTORY_FILE, 'utf8'))));
const config = loadConfig({ EMERGENCY_NUMBERS: 'Police=17;Pompiers=18;SAMU=1515', HOTLINE_NUMBER: '+221 33 800 00 00' });

const common = (lang: string): Omit<EnumerateOptions, 'renderer'> => ({
  flow,
  localizer,
  languages: [lang],
  data: withLongEntry(createFlowData(() => directory, languages)),
  params: flowParams(config),
  validate: createValidator('SN'),
  extraValues: { region: [LONG_REGION], reference: ['8888 8888'] },
});

const describeScreen = (s: { node: string; page: number; hint: boolean; vars: Record<string, string> }) => `${s.node} page ${s.page + 1}${s.hint ? ' with hint' : ''} ${JSON.stringify(s.vars)}`;

describe('every screen fits USSD, in the network alphabet', () => {
  test.each(languages)('%s: GSM-7 and at most 182 septets, as sent', (lang) => {
    const nodes = new Set<string>();
    for (const screen of enumerateScreens({ ...common(lang), renderer: ussdRenderer })) {
      const text = ussdRenderer.render(screen.reply);
      nodes.add(screen.node);
      if (!isGsm7(text)) throw new Error(`outside GSM-7 at ${describeScreen(screen)}:\n${text}`);
      if (septets(text) > USSD_MAX_SEPTETS) throw new Error(`${septets(text)} septets (max ${USSD_MAX_SEPTETS}) at ${describeScreen(screen)}:\n${text}`);
      expect(text).not.toContain('…');
      expect(text).not.toMatch(/\{\{|\}\}|undefined|null/);
      expect(text).not.toMatch(/^(CON|END) [a-z]+\.[a-zA-Z_.]+$/m); // a key shown instead of words
    }
    // Every node that shows something was rendered, and the resume offer.
    const shown = [...flow.nodes.values()].filter((n) => n.kind !== 'action' && n.kind !== 'branch').map((n) => n.id);
    expect([...nodes].sort()).toEqual([...shown, 'resume', 'goodbye'].sort());
  });

  it('has every key of the reference language in every language', () => {
    const reference = Object.keys(localizer.resources.fr).sort();
    for (const lang of languages) expect({ lang, keys: Object.keys(localizer.resources[lang]).sort() }).toEqual({ lang, keys: reference });
  });
});

describe('every screen fits SMS (at most three segments)', () => {
  test.each([
    ['with transliteration', true, false],
    ['without transliteration', false, false],
    ['with transliteration and the one-time reminder', true, true],
    ['without transliteration, with the one-time reminder', false, true],
  ])('%s', (_label, transliterate, notice) => {
    const renderer = createSmsRenderer({ transliterate });
    let rendered = 0;
    for (const lang of languages) {
      const run = notice ? { notice: { key: 'sms.reminder' }, nodes: (id: string) => FIRST_REPLIES.test(id) } : {};
      for (const screen of enumerateScreens({ ...common(lang), ...run, renderer })) {
        const text = renderer.render(screen.reply);
        const { segments } = smsCost(text);
        rendered += 1;
        if (segments > SMS_MAX_SEGMENTS) throw new Error(`${lang} ${describeScreen(screen)}: ${segments} segments:\n${text}`);
        expect(text).not.toMatch(/\{\{|\}\}|undefined|null/);
      }
    }
    expect(rendered).toBeGreaterThan(notice ? 40 : 500);
  });
});

describe('every screen fits Telegram', () => {
  it('text, buttons and callback data within Telegram limits', () => {
    let rendered = 0;
    for (const lang of languages) {
      for (const screen of enumerateScreens({ ...common(lang), labels: true, renderer: telegramRenderer })) {
        const message = renderTelegram(screen.reply, 999_999_999);
        rendered += 1;
        expect({ lang, node: screen.node, fits: message.text.length <= TELEGRAM_LIMITS.text }).toEqual({ lang, node: screen.node, fits: true });
        const buttons = 'inline_keyboard' in message.markup ? message.markup.inline_keyboard.flat() : message.markup.keyboard.flat();
        expect(buttons.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.buttons);
        for (const button of buttons) {
          const b = button as { text: string; callback_data?: string };
          expect(b.text.length).toBeLessThanOrEqual(TELEGRAM_LIMITS.buttonText);
          if (b.callback_data !== undefined) {
            expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(TELEGRAM_LIMITS.callbackData);
            // Opaque: the data names a keyboard and an index, never an option's meaning.
            expect(b.callback_data).toMatch(/^([0-9]+\.[0-9]+|x)$/);
          }
        }
        // A quick exit on every message.
        expect(JSON.stringify(message.markup)).toMatch(/✖/);
      }
    }
    expect(rendered).toBeGreaterThan(100);
  });
});
