import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { REFERENCE_LANGUAGE, type LanguagePack, type ReviewEntry, type Resources } from '../locales/localizer';

/** The columns a translator works in: one row per key. */
export const TRANSLATION_COLUMNS = ['key', 'french', 'text', 'status', 'notes', 'budget'] as const;

export interface TranslationProblem {
  row: number;
  field: string;
  message: string;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z0-9_]+)\s*\}\}/g;
const placeholders = (text: string) =>
  [...text.matchAll(PLACEHOLDER)]
    .map((m) => m[1])
    .sort()
    .join(',');

/**
 * A CSV a translator can open in any spreadsheet: the key, the French source, the
 * current text, its review status, notes, and its character budget (the most
 * characters it may have so that every screen showing it still fits USSD).
 */
export function exportTranslations(lang: string, resources: Resources, pack: LanguagePack | undefined, budgets: Record<string, Record<string, number>>): string {
  const reference = resources[REFERENCE_LANGUAGE];
  const current = resources[lang] ?? {};
  const rows = Object.keys(reference).map((key) => {
    const review = pack?.review[key];
    const budget = budgets[key]?.[lang] ?? budgets[key]?.[REFERENCE_LANGUAGE];
    return [key, reference[key], current[key] ?? '', review?.status ?? 'draft', review?.note ?? '', budget === undefined || !Number.isFinite(budget) ? '' : String(budget)];
  });
  return stringify(rows, { header: true, columns: [...TRANSLATION_COLUMNS] });
}

export type TranslationImport = { ok: true; translations: Record<string, string>; review: Record<string, ReviewEntry>; changed: number } | { ok: false; problems: TranslationProblem[] };

/**
 * Reads a translator's CSV back: every key must exist in French, placeholders must
 * be those of the French source, the text must stay within its budget, and the
 * status must be draft or reviewed. Problems are reported by row; nothing is
 * applied unless the whole file is right.
 */
export function importTranslations(content: string, lang: string, resources: Resources, budgets: Record<string, Record<string, number>>): TranslationImport {
  const reference = resources[REFERENCE_LANGUAGE];
  let records: Array<Record<string, string>>;
  try {
    records = parse(content, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: false });
  } catch (err) {
    return { ok: false, problems: [{ row: 0, field: '(file)', message: `not valid CSV: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const problems: TranslationProblem[] = [];
  for (const column of ['key', 'text', 'status']) {
    if (records.length > 0 && !(column in records[0])) problems.push({ row: 0, field: column, message: 'missing column' });
  }
  if (problems.length > 0) return { ok: false, problems };

  const translations: Record<string, string> = { ...(resources[lang] ?? {}) };
  const review: Record<string, ReviewEntry> = {};
  let changed = 0;
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const row = index + 1;
    const key = record.key?.trim();
    const text = record.text ?? '';
    if (!key || !(key in reference)) {
      problems.push({ row, field: 'key', message: `unknown key "${key ?? ''}"` });
      return;
    }
    if (seen.has(key)) problems.push({ row, field: 'key', message: `"${key}" appears twice` });
    seen.add(key);
    const status = (record.status ?? '').trim() || 'draft';
    if (status !== 'draft' && status !== 'reviewed') problems.push({ row, field: 'status', message: `expected draft or reviewed, got "${status}"` });
    if (text.trim() === '') return; // left untranslated: French is shown
    if (placeholders(text) !== placeholders(reference[key])) {
      problems.push({ row, field: 'text', message: `placeholders must be those of the French text (${placeholders(reference[key]) || 'none'}), found ${placeholders(text) || 'none'}` });
    }
    const budget = budgets[key]?.[lang] ?? budgets[key]?.[REFERENCE_LANGUAGE];
    if (budget !== undefined && Number.isFinite(budget) && text.length > budget) {
      problems.push({ row, field: 'text', message: `${text.length} characters, the budget is ${budget} (a screen would not fit USSD)` });
    }
    if (translations[key] !== text) changed += 1;
    translations[key] = text;
    review[key] = { status: status as ReviewEntry['status'], ...(record.notes?.trim() ? { note: record.notes.trim() } : {}) };
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, translations, review, changed };
}

/** Writes a language folder's strings and review file, keys in the reference order. */
export function writePack(dir: string, lang: string, reference: Record<string, string>, translations: Record<string, string>, review: Record<string, ReviewEntry>): void {
  const folder = path.join(dir, lang);
  fs.mkdirSync(folder, { recursive: true });
  const ordered = Object.fromEntries(
    Object.keys(reference)
      .filter((k) => k in translations)
      .map((k) => [k, translations[k]]),
  );
  const reviewFile = path.join(folder, 'review.json');
  const previous: Record<string, ReviewEntry> = fs.existsSync(reviewFile) ? JSON.parse(fs.readFileSync(reviewFile, 'utf8')) : {};
  const merged = Object.fromEntries(Object.keys(ordered).map((k) => [k, review[k] ?? previous[k] ?? { status: 'draft' }]));
  fs.writeFileSync(path.join(folder, 'translation.json'), `${JSON.stringify(ordered, null, 2)}\n`);
  fs.writeFileSync(reviewFile, `${JSON.stringify(merged, null, 2)}\n`);
}
