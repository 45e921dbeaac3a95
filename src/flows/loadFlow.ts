import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { FlowFragment, FlowIndex, FlowNode, type FlowDefinition, type TextSpec } from './schema';

/** A broken flow definition; the message names the file, or the flow and the node. */
export class FlowDefinitionError extends Error {}

export interface BuildFlowOptions {
  start: string;
  home: string;
  fragments: Array<{ name: string; nodes: unknown[] }>;
  /** True when the key exists in the reference language; keys with {placeholders} are not checked here. */
  hasKey?: (key: string) => boolean;
}

/** The folder holding the shipped flow definitions. */
export const DEFINITIONS_DIR = path.join(__dirname, 'definitions');

/**
 * Validates flow fragments and joins them into one graph. Every node is parsed with
 * zod, every `next`/outcome must name an existing node, and every plain key must
 * exist in the reference language. A broken definition stops the start.
 */
export function buildFlow({ start, home, fragments, hasKey }: BuildFlowOptions): FlowDefinition {
  const nodes = new Map<string, FlowNode>();
  const flowOf = new Map<string, string>();
  const problems: string[] = [];

  for (const fragment of fragments) {
    fragment.nodes.forEach((raw, index) => {
      const parsed = FlowNode.safeParse(raw);
      const rawId = typeof raw === 'object' && raw && 'id' in raw ? String((raw as { id: unknown }).id) : `#${index}`;
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(node)'}: ${i.message}`).join('; ');
        problems.push(`flow "${fragment.name}", node "${rawId}": ${detail}`);
        return;
      }
      if (nodes.has(parsed.data.id)) {
        problems.push(`flow "${fragment.name}", node "${parsed.data.id}": defined twice (also in "${flowOf.get(parsed.data.id)}")`);
        return;
      }
      nodes.set(parsed.data.id, parsed.data);
      flowOf.set(parsed.data.id, fragment.name);
    });
  }

  const where = (id: string) => `flow "${flowOf.get(id)}", node "${id}"`;
  const target = (from: string, what: string, to: string) => {
    if (!nodes.has(to)) problems.push(`${where(from)}: ${what} points to unknown node "${to}"`);
  };
  const key = (from: string, spec: TextSpec) => {
    const k = typeof spec === 'string' ? spec : 'key' in spec ? spec.key : undefined;
    if (k && hasKey && !k.includes('{') && !hasKey(k)) problems.push(`${where(from)}: missing text "${k}" in the reference language`);
    if (typeof spec === 'object' && 'vars' in spec && spec.vars) {
      for (const v of Object.values(spec.vars)) if ('key' in v) key(from, v.key);
    }
  };

  for (const node of nodes.values()) {
    if ('prompt' in node) for (const spec of [node.prompt].flat()) key(node.id, spec);
    if ('options' in node) {
      node.options.forEach((option, i) => {
        target(node.id, `option ${i + 1}`, option.next);
        key(node.id, option.label);
      });
    }
    if (node.kind === 'choice' || node.kind === 'input') target(node.id, 'next', node.next);
    if (node.kind === 'choice') key(node.id, node.label);
    if (node.kind === 'input' || ((node.kind === 'menu' || node.kind === 'choice') && node.invalid)) key(node.id, node.invalid!);
    if (node.kind === 'list') {
      key(node.id, node.item);
      key(node.id, node.empty);
      if (node.whenEmpty) target(node.id, 'whenEmpty', node.whenEmpty);
    }
    if (node.kind === 'action') for (const [outcome, to] of Object.entries(node.outcomes)) target(node.id, `outcome "${outcome}"`, to);
    if (node.kind === 'branch') {
      target(node.id, 'then', node.then);
      target(node.id, 'else', node.else);
    }
  }
  // A branch on a variable must name one that some node sets (a misspelt name would always take `else`).
  const setBy = new Set<string>();
  for (const node of nodes.values()) {
    if ('options' in node) for (const option of node.options) for (const name of Object.keys(option.set ?? {})) setBy.add(name);
    if (node.kind === 'choice' || node.kind === 'input') setBy.add(node.var);
  }
  for (const node of nodes.values()) {
    if (node.kind === 'branch' && node.if.startsWith('set:') && !setBy.has(node.if.slice(4))) problems.push(`${where(node.id)}: branches on "${node.if.slice(4)}", a variable no node sets`);
  }
  // An action hands the gateway variables that some node must set: a misspelt name would
  // otherwise fail every request at its very end instead of stopping the start.
  const settable = new Set<string>();
  for (const node of nodes.values()) {
    if ('options' in node) for (const option of node.options) for (const name of Object.keys(option.set ?? {})) settable.add(name);
    if (node.kind === 'choice' || node.kind === 'input') settable.add(node.var);
  }
  for (const node of nodes.values()) {
    if (node.kind !== 'action') continue;
    for (const name of node.with) if (!settable.has(name)) problems.push(`${where(node.id)}: with "${name}", a variable no node sets`);
  }
  // Branches show nothing: a loop made only of branches would never reach a screen.
  for (const node of nodes.values()) {
    if (node.kind !== 'branch') continue;
    const seen = new Set<string>();
    const walk = (id: string): boolean => {
      const next = nodes.get(id);
      if (next?.kind !== 'branch') return false;
      if (seen.has(id)) return true;
      seen.add(id);
      const looped = walk(next.then) || walk(next.else);
      seen.delete(id);
      return looped;
    };
    if (walk(node.id)) problems.push(`${where(node.id)}: branches lead back to this branch without showing a screen`);
  }
  if (!nodes.has(start)) problems.push(`start node "${start}" does not exist`);
  if (!nodes.has(home)) problems.push(`home node "${home}" does not exist`);

  if (problems.length > 0) throw new FlowDefinitionError(`Invalid flow definition:\n  ${problems.join('\n  ')}`);
  return { start, home, nodes, flowOf };
}

/** Loads `flow.json` (start, home, fragments) and the JSON fragments it names; any fault names its file. */
export function loadFlow(dir: string = DEFINITIONS_DIR, hasKey?: (key: string) => boolean): FlowDefinition {
  const index = readDefinition(path.join(dir, 'flow.json'), FlowIndex);
  const fragments = index.fragments.map((name) => readDefinition(path.join(dir, `${name}.json`), FlowFragment));
  return buildFlow({ start: index.start, home: index.home, fragments, hasKey });
}

function readDefinition<T>(file: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FlowDefinitionError(`Invalid flow definition: ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    throw new FlowDefinitionError(`Invalid flow definition: ${file}: ${detail}`);
  }
  return parsed.data;
}
