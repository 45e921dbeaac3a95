import type { ChannelRenderer, Reply } from '../messaging/types';
import type { DataItem, FlowData, FlowState, Screen, StepContext, Text } from '../flows/engine';
import { screensOf } from '../flows/engine';
import type { FlowDefinition, FlowNode } from '../flows/schema';
import { goodbyeScreen, localiseScreen, resumeScreen } from '../gateway/localiseScreen';
import { Localizer } from '../locales/localizer';

/** One rendered screen, as a person on a channel would see it. */
export interface RenderedScreen {
  lang: string;
  node: string;
  vars: Record<string, string>;
  page: number;
  hint: boolean;
  reply: Reply;
  /** The i18n keys whose words are on this screen. */
  keys: string[];
}

/** A localizer that remembers which keys it was asked for, to tie screens to strings. */
class RecordingLocalizer extends Localizer {
  used = new Set<string>();
  t(text: Text, lang: string): string {
    if ('key' in text) this.used.add(text.key);
    return super.t(text, lang);
  }
}

export interface EnumerateOptions {
  flow: FlowDefinition;
  localizer: Localizer;
  data: FlowData;
  params: Record<string, string>;
  validate: StepContext['validate'];
  languages: string[];
  /** Pages are cut for this channel (each channel pages differently). */
  renderer: ChannelRenderer;
  /** Extra values a variable can take besides those the definitions set (a long region, a sample code). */
  extraValues?: Record<string, string[]>;
  /** A notice shown with the reply (the SMS reminder on a conversation's first reply). */
  notice?: Text;
  /** Only these nodes (default: all). */
  nodes?: (id: string) => boolean;
  /** Localise the labels Telegram keyboards need too. */
  labels?: boolean;
}

/**
 * Every screen of every flow in every language: each node, with every value its
 * placeholders can take (read from the definitions and the data), every page, with
 * and without a correction hint; plus the resume offer and the quick-exit goodbye. Pages are cut by the given
 * channel's renderer, exactly as in a conversation.
 */
export function* enumerateScreens(options: EnumerateOptions): Generator<RenderedScreen> {
  const { flow, data, params, validate, languages, renderer, notice, labels } = options;
  const recorder = new RecordingLocalizer(options.localizer.resources, options.localizer.options);
  const domains = variableDomains(flow, data, options.extraValues ?? {});
  /** As the gateway localises: with the notice, when there is one. */
  const localise = (localizer: Localizer, screen: Screen, lang: string): Reply => ({
    ...localiseScreen(localizer, screen, lang, { labels }),
    ...(notice ? { notice: localizer.t(notice, lang) } : {}),
  });
  for (const lang of languages) {
    const ctx: StepContext = { now: 0, data, params, validate, fits: (screen) => renderer.fits(localise(options.localizer, screen, lang)) };
    const render = (screen: Screen) => {
      recorder.used = new Set();
      const reply = localise(recorder, screen, lang);
      return { reply, keys: [...recorder.used] };
    };
    for (const node of flow.nodes.values()) {
      if (node.kind === 'action' || node.kind === 'branch') continue;
      if (options.nodes && !options.nodes(node.id)) continue;
      const hints: Array<Text | undefined> = [undefined, { key: 'common.invalid' }];
      if ((node.kind === 'input' || node.kind === 'menu' || node.kind === 'choice') && typeof node.invalid === 'string') hints.push({ key: node.invalid });
      for (const vars of assignments(usedVariables(node, domains), domains)) {
        const state: FlowState = { node: node.id, lang, vars, page: 0, history: [], at: 0 };
        for (const hint of hints) {
          const pages = screensOf(flow, state, ctx, hint);
          for (const [page, screen] of pages.entries()) yield { lang, node: node.id, vars, page, hint: Boolean(hint), ...render(screen) };
        }
      }
    }
    if (!options.nodes || options.nodes('goodbye')) yield { lang, node: 'goodbye', vars: {}, page: 0, hint: false, ...render(goodbyeScreen()) };
    if (options.nodes && !options.nodes('resume')) continue;
    for (const invalid of [false, true]) yield { lang, node: 'resume', vars: {}, page: 0, hint: invalid, ...render(resumeScreen(invalid)) };
  }
}

/** Every value each variable can take: set by options, chosen from data, or given. */
export function variableDomains(flow: FlowDefinition, data: FlowData, extra: Record<string, string[]>): Record<string, string[]> {
  const values: Record<string, Set<string>> = {};
  const add = (name: string, value: string) => (values[name] ??= new Set()).add(value);
  for (const node of flow.nodes.values()) {
    // An empty value unsets a variable (a choice to be made again): no screen shows it.
    if ('options' in node) for (const option of node.options) for (const [k, v] of Object.entries(option.set ?? {})) if (v !== '') add(k, v);
    if (node.kind === 'choice') for (const item of data.items(node.source, {})) add(node.var, item.id);
  }
  for (const [name, list] of Object.entries(extra)) for (const value of list) add(name, value);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [...v]]));
}

/** The variables a node's texts or data depend on. */
function usedVariables(node: FlowNode, domains: Record<string, string[]>): string[] {
  const json = JSON.stringify(node);
  const names = new Set<string>();
  for (const match of json.matchAll(/\{([a-zA-Z]+)\}/g)) names.add(match[1]);
  for (const match of json.matchAll(/"var":"([a-zA-Z]+)"/g)) names.add(match[1]);
  if (node.kind === 'list') ['need', 'region'].forEach((n) => names.add(n));
  if (node.kind === 'choice') names.delete(node.var);
  names.delete('id');
  return [...names].filter((n) => n in domains);
}

function* assignments(names: string[], domains: Record<string, string[]>): Generator<Record<string, string>> {
  if (names.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = names;
  for (const value of domains[first]) for (const tail of assignments(rest, domains)) yield { [first]: value, ...tail };
}

/**
 * Directory data for the check: the real entries, plus, in a region of its own,
 * long realistic ones (a verified one and one "to be confirmed") so that every
 * template is exercised on a middle page, where the screen is fullest.
 */
export function withLongEntry(data: FlowData): FlowData {
  const long: DataItem = {
    id: 'content-check-long',
    fields: { name: 'Centre de santé Grand-Yoff', landmark: 'Derrière la grande mosquée', hours: 'Lun-Ven 8h-17h', phone: '33 800 00 00', access: 'free_confidential', entry: 'verified' },
  };
  const unconfirmed: DataItem = {
    id: 'content-check-unconfirmed',
    fields: { name: 'Maison de la femme', landmark: 'Route de Rufisque', hours: 'Lun-Sam 9h-17h', phone: '33 800 00 01', access: 'free', entry: 'unverified' },
  };
  return {
    items(source, vars) {
      if (source === 'services' && vars.region === LONG_REGION) return [long, unconfirmed, long];
      return data.items(source, vars);
    },
  };
}

/** A region id used only by the content check for its long entries. */
export const LONG_REGION = 'content-check-long';
