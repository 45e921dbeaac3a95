import type { ChannelContent } from '../channels/provider';
import { smsCost } from '../channels/sms/smsRenderer';
import type { FlowData, StepContext } from '../flows/engine';
import type { FlowDefinition } from '../flows/schema';
import { REFERENCE_LANGUAGE, statusOf, type LanguagePack, type Localizer } from '../locales/localizer';
import { Keywords } from '../gateway/keywords';
import { enumerateScreens, LONG_REGION, withLongEntry } from './screens';

export interface ContentCheckOptions {
  flow: FlowDefinition;
  localizer: Localizer;
  packs: Record<string, LanguagePack>;
  /** Languages to check (the enabled ones, or all packs). */
  languages: string[];
  data: FlowData;
  params: Record<string, string>;
  validate: StepContext['validate'];
  /**
   * Each channel to hold the screens to (the registry's, built with the deployment's
   * settings): its limits, whether it localises its own button words, its first-reply notice.
   */
  channels: Array<{ id: string; content: ChannelContent; buttons: boolean; notice?: string }>;
  /** Directory entries not verified for 90 days. */
  staleEntries: Array<{ id: string; category: string; region: string }>;
}

export interface Violation {
  lang: string;
  /** `missing-key`, `unknown-key`, `placeholders`, `encoding`, `keyword-collision`, `stale-entry`, or a channel's own (`ussd-length`, `sms-segments`…). */
  kind: string;
  where: string;
  detail: string;
}

export interface LanguageReport {
  lang: string;
  name: string;
  keys: number;
  missing: number;
  drafts: string[];
  /** Per channel (by label): screens checked, and the largest as sent against the limit. */
  channels: Record<string, { screens: number; largest: number; limit: number; unit: string }>;
  violations: Violation[];
}

export interface ContentReport {
  languages: LanguageReport[];
  directory: Violation[];
  /** SMS/Telegram keywords that mean different things across the languages checked. */
  keywords: Violation[];
  /** Per key and language: how much room the string may take so that every screen showing it fits the tightest channel. */
  budgets: Record<string, Record<string, number>>;
  violations: number;
}

/** Screens that can be the first reply of a conversation (welcome, AIDE, ANNULER): they carry the channel's notice. */
export const FIRST_REPLIES = /^(welcome|main|cancel\..*)$/;

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const placeholders = (text: string) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();

/**
 * Checks every language pack and every screen: keys present, placeholders identical
 * to French, every screen of every flow within the limits of every channel of the
 * registry (USSD's septets, SMS segments, Telegram's and WhatsApp's lengths…, each
 * paged by its own renderer, first replies again with the channel's notice); reports
 * draft strings per language and stale directory entries.
 */
export function runContentCheck(options: ContentCheckOptions): ContentReport {
  const { localizer, packs, languages } = options;
  const reference = localizer.resources[REFERENCE_LANGUAGE];
  const data = withLongEntry(options.data);
  const reports = new Map<string, LanguageReport>();
  const report = (lang: string) => reports.get(lang)!;
  const budgets: ContentReport['budgets'] = {};

  for (const lang of languages) {
    const pack = localizer.resources[lang] ?? {};
    const violations: Violation[] = [];
    for (const key of Object.keys(reference)) {
      if (!(key in pack)) violations.push({ lang, kind: 'missing-key', where: key, detail: 'missing (French is shown instead)' });
      else if (placeholders(pack[key]).join(',') !== placeholders(reference[key]).join(',')) {
        violations.push({ lang, kind: 'placeholders', where: key, detail: `{{${placeholders(pack[key]).join('}}, {{')}}} instead of {{${placeholders(reference[key]).join('}}, {{')}}}` });
      }
    }
    for (const key of Object.keys(pack)) if (!(key in reference)) violations.push({ lang, kind: 'unknown-key', where: key, detail: 'not in the reference language' });
    if (packs[lang]?.encoding === 'GSM-7') {
      for (const [key, text] of Object.entries(pack)) {
        // Language names are written in their own script, whatever the pack.
        if (key.startsWith('languages.') || smsCost(text).encoding === 'GSM-7') continue;
        const outside = [...new Set([...text].filter((c) => smsCost(c).encoding !== 'GSM-7'))].join(' ');
        violations.push({ lang, kind: 'encoding', where: key, detail: `outside GSM-7: ${outside}` });
      }
    }
    reports.set(lang, {
      lang,
      name: packs[lang]?.name ?? lang,
      keys: Object.keys(pack).length,
      missing: violations.filter((v) => v.kind === 'missing-key').length,
      drafts: Object.keys(pack).filter((key) => statusOf(packs, lang, key) === 'draft'),
      channels: {},
      violations,
    });
  }

  const common = { flow: options.flow, localizer, data, params: options.params, validate: options.validate, languages, extraValues: { region: [LONG_REGION], reference: ['8888 8888'] } };
  const describe = (s: { node: string; page: number; hint: boolean; vars: Record<string, string> }) =>
    `${s.node}${s.page ? ` page ${s.page + 1}` : ''}${s.hint ? ' (with hint)' : ''}${Object.keys(s.vars).length ? ` ${JSON.stringify(s.vars)}` : ''}`;

  // Each channel pages with its own renderer: every screen, and the first replies of a
  // conversation again with its notice. Channels that share a layout (SMS through either
  // provider) share a label and are checked once.
  const checked = new Set<string>();
  for (const channel of options.channels) {
    const { content } = channel;
    if (checked.has(content.label)) continue;
    checked.add(content.label);
    const runs = [{}, ...(channel.notice ? [{ notice: { key: channel.notice }, nodes: (id: string) => FIRST_REPLIES.test(id) }] : [])];
    for (const run of runs) {
      for (const screen of enumerateScreens({ ...common, ...run, labels: channel.buttons, renderer: content.renderer })) {
        const r = report(screen.lang);
        const size = content.size(screen.reply);
        const figures = (r.channels[content.label] ??= { screens: 0, largest: 0, limit: content.limit, unit: content.unit });
        figures.screens += 1;
        figures.largest = Math.max(figures.largest, size);
        const where = describe(screen);
        if (size > content.limit) r.violations.push({ lang: screen.lang, kind: content.tooLong, where, detail: `${size} ${content.unit}, the limit is ${content.limit}` });
        for (const problem of content.problems?.(screen.reply) ?? []) r.violations.push({ lang: screen.lang, ...problem, where });
        if (!content.measure) continue;
        // The room each string leaves on the tightest channel is its budget (translators see it).
        for (const key of screen.keys) {
          const words = localizer.resources[screen.lang]?.[key];
          if (words === undefined) continue;
          const room = content.measure(words) + content.limit - size;
          const byLang = (budgets[key] ??= {});
          byLang[screen.lang] = Math.min(byLang[screen.lang] ?? Number.POSITIVE_INFINITY, room);
        }
      }
    }
  }

  const keywords: Violation[] = Keywords.collisions(localizer, languages).map((c) => ({
    lang: '-',
    kind: 'keyword-collision',
    where: c.word,
    detail: `means ${c.uses.join(' and ')}`,
  }));
  const directory: Violation[] = options.staleEntries.map((e) => ({
    lang: '-',
    kind: 'stale-entry',
    where: e.id,
    detail: `${e.category} in ${e.region}: not verified for 90 days (shown "to be confirmed")`,
  }));
  const languageReports = languages.map(report);
  return {
    languages: languageReports,
    directory,
    keywords,
    budgets,
    violations: languageReports.reduce((n, r) => n + r.violations.length, 0) + directory.length + keywords.length,
  };
}

/** A readable report: one table per language, then the problems, the drafts and the directory. */
export function formatContentReport(report: ContentReport): string {
  const out: string[] = [];
  for (const r of report.languages) {
    out.push(`## ${r.name} (${r.lang})`);
    const rows: Array<[string, string]> = [
      ['keys', `${r.keys}${r.missing ? ` (${r.missing} missing)` : ''}`],
      ['draft strings', String(r.drafts.length)],
      ...Object.entries(r.channels).map(([label, c]): [string, string] => [`${label}: screens, largest (${c.unit})`, `${c.screens}, ${c.largest} / ${c.limit}`]),
      ['problems', String(r.violations.length)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    out.push(...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`));
    for (const v of r.violations.slice(0, 50)) out.push(`  ✗ ${v.kind}: ${v.where}: ${v.detail}`);
    if (r.violations.length > 50) out.push(`  … and ${r.violations.length - 50} more`);
    if (r.drafts.length > 0) out.push(`  drafts to review: ${r.drafts.join(', ')}`);
    out.push('');
  }
  out.push('## Keywords');
  out.push(report.keywords.length === 0 ? '  no keyword means two things' : report.keywords.map((v) => `  ✗ ${v.where}: ${v.detail}`).join('\n'));
  out.push('');
  out.push('## Directory');
  out.push(report.directory.length === 0 ? '  every entry verified within 90 days' : report.directory.map((v) => `  ✗ ${v.where}: ${v.detail}`).join('\n'));
  out.push('');
  out.push(report.violations === 0 ? 'Content check passed.' : `Content check failed: ${report.violations} problem(s).`);
  return out.join('\n');
}
