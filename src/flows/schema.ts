import { z } from 'zod';

const NodeId = z.string().regex(/^[a-z][a-zA-Z0-9_.]*$/, 'node ids are dotted lowercase names');
const VarName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'variable names are identifiers');
const KeyTemplate = z.string().regex(/^[a-zA-Z0-9_.{}]+$/, 'i18n keys are dotted names, {placeholders} allowed');

/**
 * Where a placeholder's value comes from: a state variable, a field of the current
 * list item, a deployment parameter (hotline, emergency numbers), or another i18n
 * key (a template such as `callback.window.{window}`).
 */
export const VarSpec = z.union([z.strictObject({ var: VarName }), z.strictObject({ field: VarName }), z.strictObject({ param: VarName }), z.strictObject({ key: KeyTemplate })]);
export type VarSpec = z.infer<typeof VarSpec>;

/** Text in a definition: an i18n key (template), with placeholder sources; or a raw item field (a place name). */
export const TextSpec = z.union([KeyTemplate, z.strictObject({ key: KeyTemplate, vars: z.record(z.string(), VarSpec).optional() }), z.strictObject({ field: VarName })]);
export type TextSpec = z.infer<typeof TextSpec>;

const Prompt = z.union([TextSpec, z.array(TextSpec).min(1)]);

export const OptionSpec = z.strictObject({
  label: TextSpec,
  next: NodeId,
  /** Variables set when this option is chosen (`lang` also switches the language). */
  set: z.record(VarName, z.string()).optional(),
});
export type OptionSpec = z.infer<typeof OptionSpec>;

const base = { id: NodeId, prompt: Prompt };

/** The correction shown above the question after a wrong answer (default `common.invalid`). */
const invalidHint = { invalid: TextSpec.optional() };

/** A fixed, numbered menu. */
export const MenuNode = z.strictObject({ kind: z.literal('menu'), ...base, ...invalidHint, options: z.array(OptionSpec).min(1) });
/** A numbered menu built from data (regions, languages); the chosen item's id goes into `var`. */
export const ChoiceNode = z.strictObject({
  kind: z.literal('choice'),
  ...base,
  ...invalidHint,
  source: z.enum(['regions', 'languages']),
  label: TextSpec,
  var: VarName,
  next: NodeId,
});
/** Read-only items from data (services), paged to fit, with optional fixed options. */
export const ListNode = z.strictObject({
  kind: z.literal('list'),
  ...base,
  source: z.enum(['services']),
  item: TextSpec,
  empty: TextSpec,
  /** Where to go instead when the data has nothing to list (a region without services): never a dead end. */
  whenEmpty: NodeId.optional(),
  options: z.array(OptionSpec).default([]),
});
/** Free keypad input checked by a named validator; sensitive values never enter the state. */
export const InputNode = z.strictObject({
  kind: z.literal('input'),
  ...base,
  validate: z.enum(['phone', 'reference']),
  var: VarName,
  sensitive: z.boolean().default(false),
  invalid: TextSpec,
  next: NodeId,
});
/** Asks the gateway to perform an effect and continues with the node named for its outcome. */
export const ActionNode = z.strictObject({
  kind: z.literal('action'),
  id: NodeId,
  effect: z.enum(['createIntake', 'cancelIntake', 'recordFeedback']),
  with: z.array(VarName).default([]),
  outcomes: z.record(z.string(), NodeId).refine((o) => 'error' in o, 'an action needs an "error" outcome'),
});
/** The last screen: the session ends and is forgotten. */
export const EndNode = z.strictObject({ kind: z.literal('end'), ...base });
/**
 * Chooses the next node from what the channel can do: `knowsNumber` (SMS and USSD
 * know the sender's number, Telegram does not), `leavesMessages` (SMS and Telegram
 * leave a thread on the phone, USSD does not); or from the conversation: `set:<var>`
 * (a choice already made, such as the need chosen in the information flow). Shows
 * nothing of its own.
 */
export const BranchNode = z.strictObject({
  kind: z.literal('branch'),
  id: NodeId,
  if: z.union([z.enum(['knowsNumber', 'leavesMessages']), z.string().regex(/^set:[a-zA-Z][a-zA-Z0-9_]*$/, 'a capability, or set:<variable>')]),
  then: NodeId,
  else: NodeId,
});

export const FlowNode = z.discriminatedUnion('kind', [MenuNode, ChoiceNode, ListNode, InputNode, ActionNode, EndNode, BranchNode]);
export type FlowNode = z.infer<typeof FlowNode>;
export type MenuNode = z.infer<typeof MenuNode>;
export type ChoiceNode = z.infer<typeof ChoiceNode>;
export type ListNode = z.infer<typeof ListNode>;
export type InputNode = z.infer<typeof InputNode>;
export type ActionNode = z.infer<typeof ActionNode>;
export type BranchNode = z.infer<typeof BranchNode>;

/** `flow.json`: where a conversation starts, where `00` leads, and the fragment files, by name. */
export const FlowIndex = z.strictObject({
  start: NodeId,
  home: NodeId,
  fragments: z.array(z.string().regex(/^[a-z][a-zA-Z0-9_-]*$/, 'fragment names are file names without .json')).min(1),
});

/** One file of `src/flows/definitions/`: a named group of nodes. */
export const FlowFragment = z.strictObject({ name: z.string(), nodes: z.array(z.unknown()).min(1) });

/** The whole conversation graph, as the engine runs it. */
export interface FlowDefinition {
  start: string;
  home: string;
  nodes: ReadonlyMap<string, FlowNode>;
  /** Which fragment (flow) each node came from, for error messages and reports. */
  flowOf: ReadonlyMap<string, string>;
}
