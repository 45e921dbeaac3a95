import { createUssdRenderer, USSD_MAX_SEPTETS } from '../channels/africastalking/ussdRenderer';
import { septets, transliterate } from '../channels/gsm7';
import { createSmsRenderer, SMS_MAX_SEGMENTS, smsCost } from '../channels/sms/smsRenderer';
import { renderTelegram, TELEGRAM_LIMITS, telegramRenderer } from '../channels/telegram/telegramRenderer';
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
  /** Transliterate SMS as the deployment does (SMS_TRANSLITERATE). */
  smsTransliterate: boolean;
  /** Transliterate USSD as the deployment does (USSD_TRANSLITERATE). */
  ussdTransliterate: boolean;
  /** Directory entries not verified for 90 days. */
  staleEntries: Array<{ id: string; category: string; region: string }>;
}

export interface Violation {
  lang: string;
  kind: 'missing-key' | 'unknown-key' | 'placeholders' | 'encoding' | 'keyword-collision' | 'ussd-length' | 'ussd-alphabet' | 'sms-segments' | 'telegram-length' | 'telegram-button' | 'stale-entry';
  where: string;
  detail: string;
}

export interface LanguageReport {
  lang: string;
  name: string;
  keys: number;
  missing: number;
  drafts: string[];
  screens: number;
  /** The longest USSD screen, in GSM-7 septets. */
  longestUssd: number;
  mostSegments: number;
  /** USSD screens, as sent, that hold a character outside GSM-7 (operators garble them). */
  ucs2Screens: number;
  gsm7Screens: number;
  violations: Violation[];
}

export interface ContentReport {
  languages: LanguageReport[];
  /** Per screen: language, node, page, hint, USSD length in septets, its encoding as sent. */
  screens: Array<{ lang: string; node: string; page: number; hint: boolean; vars: Record<string, string>; ussd: number; encoding: string; segments: number }>;
  directory: Violation[];
  /** SMS/Telegram keywords that mean different things across the languages checked. */
  keywords: Violation[];
  /** Per key and language: how many septets the string may have so that every screen showing it fits USSD. */
  budgets: Record<string, Record<string, number>>;
  violations: number;
}

/** Screens that can be the first reply of an SMS conversation (welcome, AIDE, ANNULER): they carry the reminder. */
export const SMS_FIRST_REPLIES = /^(welcome|main|cancel\..*)$/;

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const placeholders = (text: string) => [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();

/**
 * Checks every language pack and every screen: keys present, placeholders
 * identical to French, every screen of every flow within the USSD limit, the SMS
 * segment budget and Telegram's limits; reports the encoding per screen, draft
 * strings per language and stale directory entries.
 */
export function runContentCheck(options: ContentCheckOptions): ContentReport {
  const { localizer, packs, languages } = options;
  const reference = localizer.resources[REFERENCE_LANGUAGE];
  const sms = createSmsRenderer({ transliterate: options.smsTransliterate });
  const ussd = createUssdRenderer({ transliterate: options.ussdTransliterate });
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
      screens: 0,
      longestUssd: 0,
      mostSegments: 0,
      ucs2Screens: 0,
      gsm7Screens: 0,
      violations,
    });
  }

  const screens: ContentReport['screens'] = [];
  const common = { flow: options.flow, localizer, data, params: options.params, validate: options.validate, languages, extraValues: { region: [LONG_REGION], reference: ['8888 8888'] } };
  const describe = (s: { node: string; page: number; hint: boolean; vars: Record<string, string> }) =>
    `${s.node}${s.page ? ` page ${s.page + 1}` : ''}${s.hint ? ' (with hint)' : ''}${Object.keys(s.vars).length ? ` ${JSON.stringify(s.vars)}` : ''}`;

  // USSD: the tightest channel, in the network's alphabet: every screen, as sent, must be
  // GSM-7 and at most 182 septets.
  for (const screen of enumerateScreens({ ...common, renderer: ussd })) {
    const r = report(screen.lang);
    const length = ussd.septets(screen.reply);
    const gsm7 = ussd.gsm7(screen.reply);
    r.screens += 1;
    r.longestUssd = Math.max(r.longestUssd, length);
    if (gsm7) r.gsm7Screens += 1;
    else {
      r.ucs2Screens += 1;
      const outside = [...new Set([...ussd.render(screen.reply)].filter((c) => smsCost(c).encoding !== 'GSM-7'))].join(' ');
      r.violations.push({ lang: screen.lang, kind: 'ussd-alphabet', where: describe(screen), detail: `outside GSM-7, garbled by operators: ${outside}` });
    }
    screens.push({ lang: screen.lang, node: screen.node, page: screen.page, hint: screen.hint, vars: screen.vars, ussd: length, encoding: gsm7 ? 'GSM-7' : 'UCS-2', segments: 0 });
    if (length > USSD_MAX_SEPTETS) r.violations.push({ lang: screen.lang, kind: 'ussd-length', where: describe(screen), detail: `${length} septets, the limit is ${USSD_MAX_SEPTETS}` });
    for (const key of screen.keys) {
      const words = localizer.resources[screen.lang]?.[key];
      if (words === undefined) continue;
      const room = septets(options.ussdTransliterate ? transliterate(words) : words) + USSD_MAX_SEPTETS - length;
      const byLang = (budgets[key] ??= {});
      byLang[screen.lang] = Math.min(byLang[screen.lang] ?? Number.POSITIVE_INFINITY, room);
    }
  }

  // SMS and Telegram page differently: each is enumerated with its own renderer.
  // SMS: every screen, and the first replies of a conversation again with the one-time reminder.
  const smsRuns = [{}, { notice: { key: 'sms.reminder' }, nodes: (id: string) => SMS_FIRST_REPLIES.test(id) }];
  for (const run of smsRuns) {
    for (const screen of enumerateScreens({ ...common, ...run, renderer: sms })) {
      const r = report(screen.lang);
      const cost = sms.cost(screen.reply);
      r.mostSegments = Math.max(r.mostSegments, cost.segments);
      if (cost.segments > SMS_MAX_SEGMENTS) {
        r.violations.push({ lang: screen.lang, kind: 'sms-segments', where: describe(screen), detail: `${cost.segments} segments (${cost.encoding}), the budget is ${SMS_MAX_SEGMENTS}` });
      }
    }
  }
  for (const screen of enumerateScreens({ ...common, labels: true, renderer: telegramRenderer })) {
    const r = report(screen.lang);
    const message = renderTelegram(screen.reply, 999_999_999);
    if (message.text.length > TELEGRAM_LIMITS.text) {
      r.violations.push({ lang: screen.lang, kind: 'telegram-length', where: describe(screen), detail: `${message.text.length} characters, the limit is ${TELEGRAM_LIMITS.text}` });
    }
    const buttons = ('inline_keyboard' in message.markup ? message.markup.inline_keyboard.flat() : message.markup.keyboard.flat()) as Array<{ text: string } | string>;
    for (const button of buttons) {
      const text = typeof button === 'string' ? button : button.text;
      if (text.length > TELEGRAM_LIMITS.buttonText) {
        r.violations.push({ lang: screen.lang, kind: 'telegram-button', where: describe(screen), detail: `button "${text}" is longer than ${TELEGRAM_LIMITS.buttonText} characters` });
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
    screens,
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
      ['screens checked (USSD)', String(r.screens)],
      ['longest USSD screen (septets)', `${r.longestUssd} / ${USSD_MAX_SEPTETS}`],
      ['most SMS segments', `${r.mostSegments} / ${SMS_MAX_SEGMENTS}`],
      ['USSD screens in GSM-7', String(r.gsm7Screens)],
      ['USSD screens outside GSM-7', String(r.ucs2Screens)],
      ['problems', String(r.violations.length)],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    out.push(...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`));
    for (const v of r.violations.slice(0, 50)) out.push(`  ✗ ${v.kind}: ${v.where}: ${v.detail}`);
    if (r.violations.length > 50) out.push(`  … and ${r.violations.length - 50} more`);
    if (r.drafts.length > 0) out.push(`  drafts to review: ${r.drafts.join(', ')}`);
    out.push('');
  }
  const ucs2 = report.screens.filter((s) => s.encoding === 'UCS-2');
  if (ucs2.length > 0) {
    out.push('## USSD screens outside GSM-7 (operators garble them: turn USSD_TRANSLITERATE on, or rewrite)');
    const seen = new Set<string>();
    for (const s of ucs2) {
      const id = `${s.lang} ${s.node}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(`  ${id}`);
    }
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
