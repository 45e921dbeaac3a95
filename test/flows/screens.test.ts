import fs from 'node:fs';
import { ussdRenderer, USSD_MAX_LENGTH } from '../../src/channels/africastalking/ussdRenderer';
import { createSmsRenderer, SMS_MAX_SEGMENTS, smsCost } from '../../src/channels/sms/smsRenderer';
import { renderTelegram, TELEGRAM_LIMITS, telegramRenderer } from '../../src/channels/telegram/telegramRenderer';
import type { ChannelRenderer, Reply } from '../../src/channels/types';
import { DEMO_DIRECTORY_FILE, DirectoryFile } from '../../src/directory/directory';
import { screensOf, type DataItem, type FlowData, type FlowState, type StepContext } from '../../src/flows/engine';
import { loadFlow } from '../../src/flows/loadFlow';
import type { FlowNode } from '../../src/flows/schema';
import { localiseScreen, resumeScreen } from '../../src/gateway/gateway';
import { createValidator } from '../../src/gateway/flowData';
import { loadResources, Localizer } from '../../src/locales/localizer';

/**
 * Renders every screen of every flow, in every language, with every value a
 * placeholder can take, on every page, with and without a correction hint, and
 * checks each against the USSD limit, the SMS budget (three segments, with and
 * without transliteration, with the one-time notice) and Telegram's limits.
 */
const localizer = new Localizer(loadResources());
const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
const languages = Object.keys(localizer.resources);

const demo = DirectoryFile.parse(JSON.parse(fs.readFileSync(DEMO_DIRECTORY_FILE, 'utf8')));
/** A long but realistic real-world entry, next to the demo ones. */
const longEntry: DataItem = {
  id: 'long',
  fields: { name: 'Centre de santé Grand-Yoff', landmark: 'Derrière la grande mosquée', hours: 'Lun-Ven 8h-17h30', phone: '+221 33 800 00 00', access: 'free_confidential', entry: 'verified' },
};
const access = (s: { free: boolean; confidential: boolean }) => (s.free ? (s.confidential ? 'free_confidential' : 'free') : s.confidential ? 'confidential' : 'paid');

const data: FlowData = {
  items(source, vars) {
    if (source === 'languages') return languages.map((id) => ({ id, fields: {} }));
    if (source === 'regions') return demo.regions.map((r) => ({ id: r.id, fields: { name: r.name } }));
    const services = demo.services
      .filter((s) => s.category === vars.need && s.region === vars.region)
      .map((s) => ({ id: s.id, fields: { name: s.name, landmark: s.landmark, hours: s.hours, phone: s.phone, access: access(s), entry: s.demo ? 'demo' : 'verified' } }));
    return vars.region === 'long' ? [longEntry, longEntry, longEntry] : services;
  },
};

/** Localises a screen as the gateway does, with the SMS notice when a conversation starts. */
const localise = (screen: Parameters<typeof localiseScreen>[1], lang: string, notice: boolean): Reply => ({
  ...localiseScreen(localizer, screen, lang, { labels: true }),
  ...(notice ? { notice: localizer.t({ key: 'sms.reminder' }, lang) } : {}),
});

const ctx = (lang: string, renderer: ChannelRenderer = ussdRenderer, notice = false): StepContext => ({
  now: 0,
  data,
  params: { hotline: '116 / 800 00 00', emergency: 'Police 17, Pompiers 18, SAMU 1515', retentionHours: '72' },
  validate: createValidator('SN'),
  fits: (screen) => renderer.fits(localise(screen, lang, notice)),
});

/** Every value each variable can take, read from the definitions themselves. */
function domains(): Record<string, string[]> {
  const values: Record<string, Set<string>> = {};
  const add = (name: string, value: string) => (values[name] ??= new Set()).add(value);
  for (const node of flow.nodes.values()) {
    if ('options' in node) for (const option of node.options) for (const [k, v] of Object.entries(option.set ?? {})) add(k, v);
    if (node.kind === 'choice') for (const item of data.items(node.source, {})) add(node.var, item.id);
  }
  add('region', 'long');
  add('reference', '8888 8888');
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [...v]]));
}

/** Variables a node's texts or data depend on. */
function usedVars(node: FlowNode): string[] {
  const json = JSON.stringify(node);
  const names = new Set<string>();
  for (const match of json.matchAll(/\{([a-zA-Z]+)\}/g)) names.add(match[1]);
  for (const match of json.matchAll(/"var":"([a-zA-Z]+)"/g)) names.add(match[1]);
  if (node.kind === 'list') ['need', 'region'].forEach((n) => names.add(n));
  if (node.kind === 'choice') names.delete(node.var);
  names.delete('id');
  return [...names].filter((n) => n in domains());
}

function* assignments(names: string[], all: Record<string, string[]>): Generator<Record<string, string>> {
  if (names.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = names;
  for (const value of all[first]) for (const tail of assignments(rest, all)) yield { [first]: value, ...tail };
}

describe('every screen fits USSD', () => {
  const all = domains();
  const rows: Array<[string, string]> = [];
  for (const lang of languages) for (const node of flow.nodes.values()) if (node.kind !== 'action' && node.kind !== 'branch') rows.push([lang, node.id]);

  test.each(rows)('%s: %s', (lang, id) => {
    const node = flow.nodes.get(id)!;
    let rendered = 0;
    for (const vars of assignments(usedVars(node), all)) {
      const state: FlowState = { node: id, lang, vars, page: 0, history: [], at: 0 };
      for (const hint of [undefined, { key: 'common.invalid' }, ...(node.kind === 'input' ? [{ key: (node.invalid as string) ?? 'common.invalid' }] : [])]) {
        for (const screen of screensOf(flow, state, ctx(lang), hint)) {
          const text = ussdRenderer.render(localiseScreen(localizer, screen, lang));
          rendered += 1;
          if (text.length > USSD_MAX_LENGTH) throw new Error(`${text.length} characters (max ${USSD_MAX_LENGTH}) with ${JSON.stringify(vars)}:\n${text}`);
          expect(text).not.toMatch(/\{\{|\}\}|undefined|null/);
          expect(text).not.toMatch(/^(CON|END) [a-z]+\.[a-zA-Z_.]+$/m); // a key shown instead of words
        }
      }
    }
    expect(rendered).toBeGreaterThan(0);
  });

  test.each(languages)('%s: the resume offer and the goodbye fit', (lang) => {
    for (const screen of [resumeScreen(false), resumeScreen(true)]) {
      expect(ussdRenderer.render(localiseScreen(localizer, screen, lang)).length).toBeLessThanOrEqual(USSD_MAX_LENGTH);
    }
  });

  it('has every key of the reference language in English', () => {
    // Other language packs may lag behind: a missing key falls back to French and is counted.
    const reference = Object.keys(localizer.resources.fr).sort();
    expect(Object.keys(localizer.resources.en).sort()).toEqual(reference);
  });
});

/**
 * Screens that can be the first reply of an SMS conversation, which carries the one-time
 * notice: the welcome, the main menu (`AIDE`), the cancel screens (`ANNULER <code>`).
 */
const FIRST_REPLIES = new Set(['welcome', 'main', ...[...flow.nodes.keys()].filter((id) => id.startsWith('cancel.'))]);

/** Every (language, node) pair, with every assignment of the variables its texts use. */
function* everyScreen(renderer: ChannelRenderer, notice: boolean): Generator<{ lang: string; id: string; vars: Record<string, string>; reply: Reply }> {
  const all = domains();
  for (const lang of languages) {
    for (const node of flow.nodes.values()) {
      if (node.kind === 'action' || node.kind === 'branch') continue;
      if (notice && !FIRST_REPLIES.has(node.id)) continue;
      for (const vars of assignments(usedVars(node), all)) {
        const state: FlowState = { node: node.id, lang, vars, page: 0, history: [], at: 0 };
        for (const hint of [undefined, { key: 'common.invalid' }]) {
          for (const screen of screensOf(flow, state, ctx(lang, renderer, notice), hint)) yield { lang, id: node.id, vars, reply: localise(screen, lang, notice) };
        }
      }
    }
  }
}

describe('every screen fits SMS (at most three segments)', () => {
  test.each([
    ['with transliteration', true, false],
    ['without transliteration', false, false],
    ['with transliteration and the one-time notice', true, true],
    ['without transliteration, with the one-time notice', false, true],
  ])('%s', (_label, transliterate, notice) => {
    const renderer = createSmsRenderer({ transliterate });
    let rendered = 0;
    let worst = 0;
    for (const { lang, id, vars, reply } of everyScreen(renderer, notice)) {
      const text = renderer.render(reply);
      const { segments } = smsCost(text);
      worst = Math.max(worst, segments);
      rendered += 1;
      if (segments > SMS_MAX_SEGMENTS) throw new Error(`${lang} ${id}: ${segments} segments with ${JSON.stringify(vars)}:\n${text}`);
      expect(text).not.toMatch(/\{\{|\}\}|undefined|null/);
    }
    expect(rendered).toBeGreaterThan(notice ? 40 : 500);
    expect(worst).toBeLessThanOrEqual(SMS_MAX_SEGMENTS);
  });
});

describe('every screen fits Telegram', () => {
  it('text, buttons and callback data within Telegram limits', () => {
    let rendered = 0;
    for (const { lang, id, reply } of everyScreen(telegramRenderer, false)) {
      const message = renderTelegram(reply, 999_999_999);
      rendered += 1;
      expect({ lang, id, length: message.text.length <= TELEGRAM_LIMITS.text }).toEqual({ lang, id, length: true });
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
    expect(rendered).toBeGreaterThan(100);
  });
});
