import fs from 'node:fs';
import { ussdRenderer, USSD_MAX_LENGTH } from '../../src/channels/africastalking/ussdRenderer';
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
 * checks each against the USSD limit.
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

const ctx = (lang: string): StepContext => ({
  now: 0,
  data,
  params: { hotline: '116 / 800 00 00', emergency: 'Police 17, Pompiers 18, SAMU 1515', retentionHours: '72' },
  validate: createValidator('SN'),
  fits: (screen) => ussdRenderer.fits(localiseScreen(localizer, screen, lang)),
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
  for (const lang of languages) for (const node of flow.nodes.values()) if (node.kind !== 'action') rows.push([lang, node.id]);

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

  it('has every key of the reference language in every language', () => {
    const reference = Object.keys(localizer.resources.fr).sort();
    for (const lang of languages) expect(Object.keys(localizer.resources[lang]).sort()).toEqual(reference);
  });
});
