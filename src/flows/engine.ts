import type { FlowDefinition, FlowNode, OptionSpec, TextSpec, VarSpec, ListNode } from './schema';

/** Localisable text: an i18n key with resolved values, or raw data (a place name). */
export type Text = { key: string; vars?: Record<string, string | Text> } | { raw: string };

/** What the person sees next, still as keys: the gateway localises it and a channel renders it. */
export interface Screen {
  node: string;
  /** The last screen of the session. */
  end: boolean;
  /** A short correction shown above the prompt (wrong choice, invalid number). */
  hint?: Text;
  body: Text[];
  /** Read-only items of this page (services). */
  items: Text[];
  options: Array<{ input: string; label: Text }>;
  nav: { more: boolean; back: boolean; home: boolean; exit: boolean };
  /** What free input this screen waits for (a keypad input node), so a channel can offer a better control. */
  expects?: 'phone' | 'reference';
}

/** Conversation state: the position in the flow and the options chosen, never raw text. */
export interface FlowState {
  node: string;
  lang: string;
  vars: Record<string, string>;
  page: number;
  history: string[];
  /** Milliseconds since epoch of the last step, from the injected clock. */
  at: number;
}

/** Something the gateway must do; `await` effects answer with a result event. */
export type Effect =
  | { type: 'createIntake'; await: true; params: Record<string, string> }
  | { type: 'cancelIntake'; await: true; params: Record<string, string> }
  /** Counts answers to the feedback questions (`params`: question → answer code). */
  | { type: 'recordFeedback'; await: true; params: Record<string, string> }
  | { type: 'holdSecret'; await: false; name: string; value: string }
  | { type: 'end'; await: false; reason: 'exit' | 'done' };

export type EngineEvent = { type: 'input'; text: string } | { type: 'result'; outcome: string; values?: Record<string, string> };

export interface DataItem {
  id: string;
  fields: Record<string, string>;
}

/** Read-only data the flows show (directory, languages); pure lookups. */
export interface FlowData {
  items(source: 'regions' | 'languages' | 'services', vars: Record<string, string>): DataItem[];
}

export interface StepContext {
  /** The injected clock. */
  now: number;
  /** True when the screen fits the channel (length in the session's language); drives paging. */
  fits(screen: Screen, lang: string): boolean;
  data: FlowData;
  /** Deployment values shown in texts (hotline, emergency numbers, retention hours). */
  params: Record<string, string>;
  /** Normalises keypad input, or returns null when it is not acceptable. */
  validate(kind: 'phone' | 'reference', input: string): string | null;
  /** What the channel can do, for `branch` nodes; a missing capability counts as false. */
  capabilities?: Partial<Record<'knowsNumber' | 'leavesMessages', boolean>>;
}

export interface StepResult {
  state: FlowState;
  /** Null while an `await` effect is pending. */
  screen: Screen | null;
  effects: Effect[];
}

/** Global inputs, valid on every screen. */
export const GLOBAL = { exit: '0', home: '00', more: '99', back: '98' } as const;
const HISTORY_LIMIT = 20;
const INVALID: Text = { key: 'common.invalid' };

/**
 * Moves the conversation to a named node as if an option led there (an SMS keyword
 * such as `ANNULER`): the current node goes into the way back.
 */
export function jump(def: FlowDefinition, current: FlowState, id: string, ctx: StepContext): StepResult {
  const state: FlowState = { ...current, vars: { ...current.vars }, history: [...current.history], at: ctx.now };
  return forward(def, state, id, ctx, []);
}

/** Starts a conversation at the definition's start node. */
export function start(def: FlowDefinition, ctx: StepContext, lang: string): StepResult {
  const state: FlowState = { node: def.start, lang, vars: {}, page: 0, history: [], at: ctx.now };
  return enter(def, state, def.start, ctx, []);
}

/**
 * Advances the conversation by one event. Pure: the same state, event and context
 * always give the same result; effects are returned, never performed.
 */
export function step(def: FlowDefinition, current: FlowState, event: EngineEvent, ctx: StepContext): StepResult {
  const state: FlowState = { ...current, vars: { ...current.vars }, history: [...current.history], at: ctx.now };
  const node = nodeOf(def, state.node);

  if (event.type === 'result') {
    if (node.kind !== 'action') throw new Error(`result "${event.outcome}" received outside an action (at ${node.id})`);
    Object.assign(state.vars, event.values ?? {});
    const next = node.outcomes[event.outcome] ?? node.outcomes.error;
    return enter(def, state, next, ctx, []);
  }
  if (node.kind === 'action' || node.kind === 'end' || node.kind === 'branch') {
    throw new Error(`input received at ${node.kind} node ${node.id}`);
  }

  const input = event.text.trim();
  if (input === GLOBAL.exit) return exit(state);
  if (input === GLOBAL.home) {
    state.history = [];
    return enter(def, state, def.home, ctx, []);
  }
  if (input === GLOBAL.more) {
    // Pages are cut only when paging is asked for: cutting renders the screen many times.
    if (state.page + 1 < paginate(def, node, state, ctx).length) {
      state.page += 1;
      return show(def, node, state, ctx);
    }
    return show(def, node, state, ctx, INVALID);
  }
  if (input === GLOBAL.back) {
    if (state.page > 0) {
      state.page -= 1;
      return show(def, node, state, ctx);
    }
    const previous = state.history.pop();
    if (previous) return enter(def, state, previous, ctx, []);
    return show(def, node, state, ctx);
  }

  switch (node.kind) {
    case 'menu':
    case 'list': {
      const option = pickOption(node.options, input);
      if (!option) return show(def, node, state, ctx, node.kind === 'menu' && node.invalid ? resolveText(node.invalid, state, ctx) : INVALID);
      for (const [name, value] of Object.entries(option.set ?? {})) setVar(state, name, value);
      return forward(def, state, option.next, ctx, []);
    }
    case 'choice': {
      const items = ctx.data.items(node.source, state.vars);
      const index = toIndex(input, items.length);
      if (index === null) return show(def, node, state, ctx, node.invalid ? resolveText(node.invalid, state, ctx) : INVALID);
      setVar(state, node.var, items[index].id);
      return forward(def, state, node.next, ctx, []);
    }
    case 'input': {
      const value = ctx.validate(node.validate, input);
      if (value === null) return show(def, node, state, ctx, resolveText(node.invalid, state, ctx));
      if (node.sensitive) {
        // The value goes to the gateway to be sealed; the state only records that it exists.
        state.vars[node.var] = 'held';
        return forward(def, state, node.next, ctx, [{ type: 'holdSecret', await: false, name: node.var, value }]);
      }
      state.vars[node.var] = value;
      return forward(def, state, node.next, ctx, []);
    }
  }
}

function exit(state: FlowState): StepResult {
  return {
    state,
    screen: { node: state.node, end: true, body: [{ key: 'common.goodbye' }], items: [], options: [], nav: noNav },
    effects: [{ type: 'end', await: false, reason: 'exit' }],
  };
}

const noNav = { more: false, back: false, home: false, exit: false };

function setVar(state: FlowState, name: string, value: string): void {
  state.vars[name] = value;
  if (name === 'lang') state.lang = value;
}

function forward(def: FlowDefinition, state: FlowState, next: string, ctx: StepContext, effects: Effect[]): StepResult {
  state.history.push(state.node);
  if (state.history.length > HISTORY_LIMIT) state.history.shift();
  return enter(def, state, next, ctx, effects);
}

function enter(def: FlowDefinition, state: FlowState, id: string, ctx: StepContext, effects: Effect[]): StepResult {
  const node = nodeOf(def, id);
  state.node = id;
  state.page = 0;
  if (node.kind === 'branch') {
    // Transparent: the way back from the next screen skips it.
    const yes = node.if.startsWith('set:') ? Boolean(state.vars[node.if.slice(4)]) : Boolean(ctx.capabilities?.[node.if as 'knowsNumber' | 'leavesMessages']);
    return enter(def, state, yes ? node.then : node.else, ctx, effects);
  }
  if (node.kind === 'list' && node.whenEmpty && ctx.data.items(node.source, state.vars).length === 0) {
    // Nothing to list here: the node that offers another way (transparent, like a branch).
    return enter(def, state, node.whenEmpty, ctx, effects);
  }
  if (node.kind === 'action') {
    const params: Record<string, string> = {};
    for (const name of node.with) if (name in state.vars) params[name] = state.vars[name];
    return { state, screen: null, effects: [...effects, { type: node.effect, await: true, params }] };
  }
  const result = show(def, node, state, ctx);
  if (node.kind === 'end') result.effects.push({ type: 'end', await: false, reason: 'done' });
  result.effects.unshift(...effects);
  return result;
}

function show(def: FlowDefinition, node: FlowNode, state: FlowState, ctx: StepContext, hint?: Text): StepResult {
  const pages = paginate(def, node, state, ctx);
  const page = Math.min(state.page, pages.length - 1);
  state.page = page;
  const screen = build(def, node, state, ctx, pages[page], page > 0, page + 1 < pages.length, hint);
  // A correction takes the place of the question when both do not fit on one screen.
  if (hint && !ctx.fits(screen, state.lang)) screen.body = [];
  return { state, screen, effects: [] };
}

type Page = [start: number, end: number];

/** Entries that are paged: options for menus and choices, items for lists. */
function entries(node: FlowNode, state: FlowState, ctx: StepContext): Text[] {
  switch (node.kind) {
    case 'menu':
      return node.options.map((o) => resolveText(o.label, state, ctx));
    case 'choice':
      return ctx.data.items(node.source, state.vars).map((item) => resolveText(node.label, state, ctx, item));
    case 'list':
      return ctx.data.items(node.source, state.vars).map((item) => resolveText(node.item, state, ctx, item));
    default:
      return [];
  }
}

/** Splits a node's entries into pages that fit the channel, greedily, in order. */
function paginate(def: FlowDefinition, node: FlowNode, state: FlowState, ctx: StepContext): Page[] {
  const all = entries(node, state, ctx);
  if (all.length === 0) return [[0, 0]];
  // Most screens fit whole: one check instead of one per entry.
  if (all.length === 1 || ctx.fits(buildFrom(def, node, state, ctx, all, [0, all.length], false, false), state.lang)) return [[0, all.length]];
  const pages: Page[] = [];
  let begin = 0;
  while (begin < all.length) {
    let end = begin + 1;
    while (end < all.length) {
      const candidate = buildFrom(def, node, state, ctx, all, [begin, end + 1], pages.length > 0, end + 1 < all.length);
      if (!ctx.fits(candidate, state.lang)) break;
      end += 1;
    }
    pages.push([begin, end]);
    begin = end;
  }
  return pages;
}

function build(def: FlowDefinition, node: FlowNode, state: FlowState, ctx: StepContext, page: Page, back: boolean, more: boolean, hint?: Text): Screen {
  return buildFrom(def, node, state, ctx, entries(node, state, ctx), page, back, more, hint);
}

function buildFrom(def: FlowDefinition, node: FlowNode, state: FlowState, ctx: StepContext, all: Text[], [begin, end]: Page, back: boolean, more: boolean, hint?: Text): Screen {
  const isEnd = node.kind === 'end';
  const body = 'prompt' in node ? [node.prompt].flat().map((spec) => resolveText(spec, state, ctx)) : [];
  const numbered = (labels: Text[], offset: number) => labels.map((label, i) => ({ input: String(offset + i + 1), label }));
  let items: Text[] = [];
  let options: Screen['options'] = [];
  if (node.kind === 'list') {
    items = all.slice(begin, end);
    if (all.length === 0) items = [resolveText(node.empty, state, ctx)];
    options = numbered(
      node.options.map((o) => resolveText(o.label, state, ctx)),
      0,
    );
  } else if (node.kind === 'menu' || node.kind === 'choice') {
    options = numbered(all.slice(begin, end), begin);
  }
  const atRoot = node.id === def.home || node.id === def.start;
  return {
    node: node.id,
    end: isEnd,
    ...(hint ? { hint } : {}),
    body,
    items,
    options,
    nav: isEnd ? noNav : { more, back, home: !atRoot, exit: true },
    ...(node.kind === 'input' ? { expects: node.validate } : {}),
  };
}

function pickOption(options: OptionSpec[], input: string): OptionSpec | null {
  const index = toIndex(input, options.length);
  return index === null ? null : options[index];
}

function toIndex(input: string, count: number): number | null {
  if (!/^[1-9][0-9]?$/.test(input)) return null;
  const n = Number(input);
  return n >= 1 && n <= count ? n - 1 : null;
}

function nodeOf(def: FlowDefinition, id: string): FlowNode {
  const node = def.nodes.get(id);
  if (!node) throw new Error(`unknown node ${id}`);
  return node;
}

/** Fills `{name}` placeholders of a key template from the item's fields, then the state's variables. */
function fillTemplate(template: string, state: FlowState, item?: DataItem): string {
  return template.replace(/\{([a-zA-Z0-9_]+)\}/g, (_, name: string) => {
    if (name === 'id' && item) return item.id;
    return item?.fields[name] ?? state.vars[name] ?? name;
  });
}

function resolveVar(spec: VarSpec, state: FlowState, ctx: StepContext, item?: DataItem): string | Text {
  if ('var' in spec) return state.vars[spec.var] ?? '';
  if ('field' in spec) return item?.fields[spec.field] ?? '';
  if ('param' in spec) return ctx.params[spec.param] ?? '';
  return { key: fillTemplate(spec.key, state, item) };
}

/** Turns a definition's text spec into concrete text for this state (and list item). */
export function resolveText(spec: TextSpec, state: FlowState, ctx: StepContext, item?: DataItem): Text {
  if (typeof spec === 'string') return { key: fillTemplate(spec, state, item) };
  if ('field' in spec) return { raw: item?.fields[spec.field] ?? '' };
  const text: Text = { key: fillTemplate(spec.key, state, item) };
  if (spec.vars) {
    text.vars = {};
    for (const [name, v] of Object.entries(spec.vars)) text.vars[name] = resolveVar(v, state, ctx, item);
  }
  return text;
}

/**
 * Every page of the screen at the state's node, optionally with a hint: the
 * content check renders them all to prove each one fits its channel.
 */
export function screensOf(def: FlowDefinition, state: FlowState, ctx: StepContext, hint?: Text): Screen[] {
  const node = nodeOf(def, state.node);
  if (node.kind === 'action' || node.kind === 'branch') return [];
  const pages = paginate(def, node, state, ctx);
  return pages.map((_, page) => show(def, node, { ...state, page }, ctx, hint).screen!);
}
