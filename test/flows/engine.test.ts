import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jump, start, step, type FlowState, type Screen, type StepContext, type StepResult } from '../../src/flows/engine';
import { buildFlow, DEFINITIONS_DIR, FlowDefinitionError, loadFlow } from '../../src/flows/loadFlow';

/** A small graph with one node of every kind. */
const flow = buildFlow({
  start: 'hello',
  home: 'menu',
  fragments: [
    {
      name: 'test',
      nodes: [
        { kind: 'choice', id: 'hello', prompt: 'hello', source: 'languages', label: { key: 'lang.{id}' }, var: 'lang', next: 'menu' },
        {
          kind: 'menu',
          id: 'menu',
          prompt: 'menu',
          options: [
            { label: 'go.list', next: 'list', set: { need: 'food' } },
            { label: 'go.input', next: 'ask' },
            { label: 'go.action', next: 'act' },
            // `missing` is set on another way only: the action below must leave it out.
            { label: 'go.end', next: 'bye', set: { missing: 'x' } },
          ],
        },
        { kind: 'list', id: 'list', prompt: 'list.title', source: 'services', item: { key: 'item', vars: { name: { field: 'name' } } }, empty: 'list.empty' },
        { kind: 'input', id: 'ask', prompt: 'ask', validate: 'phone', var: 'num', sensitive: true, invalid: 'ask.bad', next: 'menu' },
        { kind: 'action', id: 'act', effect: 'createIntake', with: ['need', 'missing'], outcomes: { ok: 'done', error: 'bye' } },
        { kind: 'end', id: 'done', prompt: { key: 'done', vars: { ref: { var: 'reference' }, hotline: { param: 'hotline' } } } },
        { kind: 'end', id: 'bye', prompt: 'bye' },
      ],
    },
  ],
});

const services = Array.from({ length: 7 }, (_, i) => ({ id: `s${i + 1}`, fields: { name: `Service ${i + 1}` } }));

/** Screens "fit" when they show at most three entries: enough to exercise paging. */
const ctx: StepContext = {
  now: 1_000,
  fits: (screen: Screen) => screen.items.length + screen.options.length <= 3,
  data: {
    items: (source, vars) =>
      source === 'languages'
        ? [
            { id: 'fr', fields: {} },
            { id: 'en', fields: {} },
          ]
        : source === 'services' && vars.need === 'food'
          ? services
          : [],
  },
  params: { hotline: '116' },
  validate: (kind, input) => (kind === 'phone' && /^[0-9]{8}$/.test(input) ? `+221${input}` : null),
};

function run(...inputs: string[]): StepResult {
  let result = start(flow, ctx, 'fr');
  for (const text of inputs) result = step(flow, result.state, { type: 'input', text }, ctx);
  return result;
}

const keys = (screen: Screen | null) => screen?.body.map((t) => ('key' in t ? t.key : t.raw));
const names = (screen: Screen | null) => screen?.items.map((t) => ('key' in t ? t.vars?.name : t.raw));

describe('engine', () => {
  it('starts at the start node with its options numbered from 1', () => {
    const { state, screen, effects } = start(flow, ctx, 'fr');
    expect(state).toEqual({ node: 'hello', lang: 'fr', vars: {}, page: 0, history: [], at: 1_000 });
    expect(screen?.options.map((o) => [o.input, o.label])).toEqual([
      ['1', { key: 'lang.fr' }],
      ['2', { key: 'lang.en' }],
    ]);
    expect(screen?.nav).toEqual({ more: false, back: false, home: false, exit: true });
    expect(effects).toEqual([]);
  });

  it('a choice sets its variable; choosing `lang` switches the language', () => {
    const { state, screen } = run('2');
    expect(state.lang).toBe('en');
    expect(state.vars.lang).toBe('en');
    expect(screen?.node).toBe('menu');
  });

  it('is pure: the same state and input give the same result and the input state is untouched', () => {
    const before = run('1').state;
    const frozen = JSON.stringify(before);
    const a = step(flow, before, { type: 'input', text: '1' }, ctx);
    const b = step(flow, before, { type: 'input', text: '1' }, ctx);
    expect(a).toEqual(b);
    expect(JSON.stringify(before)).toBe(frozen);
  });

  describe('wrong input', () => {
    it.each([
      ['a number out of range', '7'],
      ['letters', 'abc'],
      ['nothing', ''],
      ['a decimal', '1.5'],
      ['a non-latin digit', '٣'],
      ['500 characters', 'x'.repeat(500)],
    ])('re-asks the same screen with a hint for %s', (_label, input) => {
      const { state, screen, effects } = run('1', input);
      expect(state.node).toBe('menu');
      expect(screen?.hint).toEqual({ key: 'common.invalid' });
      expect(screen?.options).toHaveLength(3);
      expect(effects).toEqual([]);
    });
  });

  describe('quick exit', () => {
    it.each([
      ['on the first screen', []],
      ['in a menu', ['1']],
      ['in a list', ['1', '1']],
      ['in a keypad input', ['1', '2']],
    ])('`0` ends at once %s', (_label, before: string[]) => {
      const { screen, effects } = run(...before, '0');
      expect(screen?.end).toBe(true);
      expect(keys(screen)).toEqual(['common.goodbye']);
      expect(effects).toEqual([{ type: 'end', await: false, reason: 'exit' }]);
    });
  });

  it('`00` goes to the main menu and forgets the way back', () => {
    const { state, screen } = run('1', '1', '00');
    expect(screen?.node).toBe('menu');
    expect(state.history).toEqual([]);
    expect(screen?.nav.home).toBe(false);
  });

  describe('paging', () => {
    it('pages a list that does not fit with `99` and back with `98`', () => {
      const first = run('1', '1');
      expect(names(first.screen)).toEqual(['Service 1', 'Service 2', 'Service 3']);
      expect(first.screen?.nav).toMatchObject({ more: true, back: false, home: true, exit: true });
      const second = run('1', '1', '99');
      expect(names(second.screen)).toEqual(['Service 4', 'Service 5', 'Service 6']);
      expect(second.screen?.nav).toMatchObject({ more: true, back: true });
      const third = run('1', '1', '99', '99');
      expect(names(third.screen)).toEqual(['Service 7']);
      expect(third.screen?.nav).toMatchObject({ more: false, back: true });
      expect(names(run('1', '1', '99', '99', '98').screen)).toEqual(['Service 4', 'Service 5', 'Service 6']);
    });

    it('`99` on the last page is a wrong input', () => {
      const { screen } = run('1', '1', '99', '99', '99');
      expect(names(screen)).toEqual(['Service 7']);
      expect(screen?.hint).toEqual({ key: 'common.invalid' });
    });

    it('pages a menu that does not fit, keeping option numbers', () => {
      const { screen } = run('1', '99');
      expect(screen?.options.map((o) => o.input)).toEqual(['4']);
      expect(run('1', '99', '4').screen?.node).toBe('bye');
      // An option from another page is still accepted.
      expect(run('1', '2').screen?.node).toBe('ask');
    });

    it('shows the empty text when a list has no items', () => {
      const menuOnly = run('1');
      const state: FlowState = { ...menuOnly.state, node: 'list', vars: { need: 'none' } };
      const { screen } = step(flow, state, { type: 'input', text: '99' }, ctx);
      expect(screen?.items).toEqual([{ key: 'list.empty' }]);
    });
  });

  describe('back', () => {
    it('`98` on a first page returns to the previous screen', () => {
      expect(run('1', '1', '98').screen?.node).toBe('menu');
      expect(run('1', '1', '98', '98').screen?.node).toBe('hello');
    });

    it('`98` with no history re-shows the screen', () => {
      expect(run('98').screen?.node).toBe('hello');
    });
  });

  describe('keypad input', () => {
    it('re-asks with the node hint when invalid', () => {
      const { state, screen } = run('1', '2', '12');
      expect(state.node).toBe('ask');
      expect(screen?.hint).toEqual({ key: 'ask.bad' });
    });

    it.each([
      ['`00` goes to the main menu', '00', 'menu', undefined],
      ['`98` goes back', '98', 'menu', undefined],
      ['`99` has no more to show: a hint', '99', 'ask', { key: 'common.invalid' }],
    ])('global inputs work on a keypad input screen: %s', (_label, input, node, hint) => {
      const { state, screen, effects } = run('1', '2', input);
      expect(screen?.node).toBe(node);
      expect(screen?.hint).toEqual(hint);
      expect(effects).toEqual([]);
      expect(state.vars.num).toBeUndefined();
    });

    it('hands a sensitive value to the gateway and keeps only a marker in the state', () => {
      const { state, effects, screen } = run('1', '2', '77123456');
      expect(effects).toEqual([{ type: 'holdSecret', await: false, name: 'num', value: '+22177123456' }]);
      expect(state.vars.num).toBe('held');
      expect(JSON.stringify(state)).not.toContain('77123456');
      expect(screen?.node).toBe('menu');
    });
  });

  describe('actions', () => {
    it('returns an await effect with the listed variables and no screen', () => {
      const { state, screen, effects } = run('1', '1', '00', '3');
      expect(screen).toBeNull();
      expect(state.node).toBe('act');
      expect(effects).toEqual([{ type: 'createIntake', await: true, params: { need: 'food' } }]);
    });

    it('continues with the outcome named by the result, values available to texts', () => {
      const pending = run('1', '3');
      const { screen, effects } = step(flow, pending.state, { type: 'result', outcome: 'ok', values: { reference: '2345 6789' } }, ctx);
      expect(screen?.end).toBe(true);
      expect(screen?.body).toEqual([{ key: 'done', vars: { ref: '2345 6789', hotline: '116' } }]);
      expect(effects).toEqual([{ type: 'end', await: false, reason: 'done' }]);
    });

    it('an unknown outcome goes to the error outcome', () => {
      const pending = run('1', '3');
      expect(step(flow, pending.state, { type: 'result', outcome: 'surprise' }, ctx).screen?.node).toBe('bye');
    });

    it('refuses input while an action is pending', () => {
      expect(() => step(flow, run('1', '3').state, { type: 'input', text: '1' }, ctx)).toThrow(/action/);
    });
  });

  it('an end node ends the session with a done effect', () => {
    const { screen, effects } = run('1', '4');
    expect(screen?.end).toBe(true);
    expect(screen?.nav).toEqual({ more: false, back: false, home: false, exit: false });
    expect(effects).toEqual([{ type: 'end', await: false, reason: 'done' }]);
  });
});

describe('buildFlow', () => {
  const ok = { kind: 'end', id: 'a', prompt: 'a' };
  it.each([
    ['an unknown next node', [{ kind: 'menu', id: 'a', prompt: 'p', options: [{ label: 'l', next: 'nowhere' }] }], /node "a": option 1 points to unknown node "nowhere"/],
    ['an unknown node kind', [ok, { kind: 'teleport', id: 'b' }], /node "b"/],
    ['a menu without options', [ok, { kind: 'menu', id: 'b', prompt: 'p', options: [] }], /node "b": options/],
    ['a duplicate id', [ok, ok], /node "a": defined twice/],
    ['an action without error outcome', [ok, { kind: 'action', id: 'b', effect: 'createIntake', outcomes: { ok: 'a' } }], /node "b".*error/],
    ['a missing text', [{ kind: 'end', id: 'a', prompt: 'no.such.key' }], /node "a": missing text "no.such.key"/],
    ['an action variable no node sets', [ok, { kind: 'action', id: 'b', effect: 'cancelIntake', with: ['cdoe'], outcomes: { error: 'a' } }], /node "b": with "cdoe", a variable no node sets/],
  ])('names the node for %s', (_label, nodes, message) => {
    expect(() => buildFlow({ start: 'a', home: 'a', fragments: [{ name: 'broken', nodes }], hasKey: (k) => k !== 'no.such.key' })).toThrow(message);
    expect(() => buildFlow({ start: 'a', home: 'a', fragments: [{ name: 'broken', nodes }], hasKey: (k) => k !== 'no.such.key' })).toThrow(FlowDefinitionError);
  });
});

describe('loadFlow', () => {
  /** A copy of the shipped definitions with one file replaced. */
  const withFile = (name: string, content: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-'));
    for (const file of fs.readdirSync(DEFINITIONS_DIR)) fs.copyFileSync(path.join(DEFINITIONS_DIR, file), path.join(dir, file));
    fs.writeFileSync(path.join(dir, name), content);
    return dir;
  };

  it('loads the shipped definitions', () => {
    expect(loadFlow().nodes.get('callback.create')?.kind).toBe('action');
  });

  it.each([
    ['a fragment that is not JSON', 'info.json', '{ "name": "info", ', /info\.json: /],
    ['an index without fragments', 'flow.json', '{ "start": "welcome", "home": "main" }', /flow\.json: fragments: /],
    ['a fragment name that is not a file name', 'flow.json', '{ "start": "welcome", "home": "main", "fragments": ["../welcome"] }', /flow\.json: fragments\.0: /],
    ['a fragment without nodes', 'cancel.json', '{ "name": "cancel" }', /cancel\.json: nodes: /],
    [
      'a node with a wrong field',
      'cancel.json',
      '{ "name": "cancel", "nodes": [{ "kind": "end", "id": "cancel.done", "prompt": "cancel.done", "colour": "red" }] }',
      /flow "cancel", node "cancel\.done"/,
    ],
  ])('stops with an error naming the file or the node for %s', (_label, file, content, message) => {
    const dir = withFile(file, content);
    try {
      expect(() => loadFlow(dir)).toThrow(FlowDefinitionError);
      expect(() => loadFlow(dir)).toThrow(message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks the plain label key of a choice', () => {
    const nodes = [{ kind: 'choice', id: 'a', prompt: 'p', source: 'regions', label: 'no.such.key', var: 'region', next: 'a' }];
    expect(() => buildFlow({ start: 'a', home: 'a', fragments: [{ name: 'broken', nodes }], hasKey: (k) => k !== 'no.such.key' })).toThrow(/node "a": missing text "no\.such\.key"/);
  });
});

describe('branch', () => {
  const branching = buildFlow({
    start: 'ask',
    home: 'ask',
    fragments: [
      {
        name: 'branching',
        nodes: [
          { kind: 'menu', id: 'ask', prompt: 'ask', options: [{ label: 'go', next: 'which' }] },
          { kind: 'branch', id: 'which', if: 'knowsNumber', then: 'known', else: 'share' },
          { kind: 'menu', id: 'known', prompt: 'known', options: [{ label: 'ok', next: 'ask' }] },
          { kind: 'input', id: 'share', prompt: 'share', validate: 'phone', var: 'num', sensitive: true, invalid: 'bad', next: 'ask' },
        ],
      },
    ],
  });
  const go = (capabilities?: StepContext['capabilities']) => {
    const c: StepContext = { ...ctx, capabilities };
    return step(branching, start(branching, c, 'fr').state, { type: 'input', text: '1' }, c);
  };

  it('goes to `then` when the channel has the capability (USSD, SMS know the number)', () => {
    expect(go({ knowsNumber: true }).screen?.node).toBe('known');
  });

  it('goes to `else` when it has not (Telegram), and a missing capability counts as false', () => {
    const { screen, state } = go({ knowsNumber: false });
    expect(screen?.node).toBe('share');
    expect(screen?.expects).toBe('phone');
    expect(state.node).toBe('share');
    expect(go(undefined).screen?.node).toBe('share');
  });

  it('is transparent: it shows nothing, and back from the next screen skips it', () => {
    const c: StepContext = { ...ctx, capabilities: { knowsNumber: true } };
    const { state } = go({ knowsNumber: true });
    expect(state.history).toEqual(['ask']);
    expect(step(branching, state, { type: 'input', text: '98' }, c).screen?.node).toBe('ask');
  });

  it.each([
    ['an unknown target', { kind: 'branch', id: 'b', if: 'knowsNumber', then: 'a', else: 'nowhere' }, /node "b": else points to unknown node "nowhere"/],
    ['an unknown capability', { kind: 'branch', id: 'b', if: 'canFly', then: 'a', else: 'a' }, /node "b": if/],
    ['a missing else', { kind: 'branch', id: 'b', if: 'knowsNumber', then: 'a' }, /node "b": else/],
  ])('names the node for %s', (_label, node, message) => {
    expect(() => buildFlow({ start: 'a', home: 'a', fragments: [{ name: 'broken', nodes: [{ kind: 'end', id: 'a', prompt: 'a' }, node] }] })).toThrow(message);
  });

  it('refuses branches that lead back to themselves without a screen (the engine would never stop)', () => {
    const nodes = [
      { kind: 'end', id: 'a', prompt: 'a' },
      { kind: 'branch', id: 'b', if: 'knowsNumber', then: 'a', else: 'c' },
      { kind: 'branch', id: 'c', if: 'leavesMessages', then: 'b', else: 'a' },
    ];
    expect(() => buildFlow({ start: 'a', home: 'a', fragments: [{ name: 'loop', nodes }] })).toThrow(/node "b": branches lead back/);
  });
});

describe('jump', () => {
  it('moves to a named node as an option would, keeping the way back', () => {
    const here = run('1');
    const { state, screen } = jump(flow, here.state, 'ask', ctx);
    expect(screen?.node).toBe('ask');
    expect(state.history).toEqual(['hello', 'menu']);
    expect(JSON.stringify(here.state)).not.toContain('"node":"ask"');
  });
});
