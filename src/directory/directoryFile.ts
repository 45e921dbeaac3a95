import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DirectoryFile, ServiceRow } from './directory';
export { readDirectory } from './directory';

/** One problem of a directory file, named by row (1 = the first data row) and field. */
export interface DirectoryProblem {
  row: number;
  field: string;
  message: string;
}

export type DirectoryParseResult = { ok: true; file: DirectoryFile } | { ok: false; problems: DirectoryProblem[] };

/** The CSV columns, in order: one row per service, the region's display name beside its id. */
export const CSV_COLUMNS = [
  'id',
  'category',
  'region',
  'region_name',
  'name',
  'landmark',
  'hours',
  'phone',
  'free',
  'confidential',
  'child_friendly',
  'women_staff',
  'languages',
  'demo',
  'verified_at',
] as const;

const YES = new Set(['yes', 'oui', 'true', '1', 'y', 'o']);
const NO = new Set(['no', 'non', 'false', '0', 'n', '']);

/** Reads a directory file (CSV or JSON), validating every row; nothing is applied here. */
export function parseDirectory(content: string, format: 'csv' | 'json'): DirectoryParseResult {
  return format === 'csv' ? parseCsv(content) : parseJson(content);
}

function parseJson(content: string): DirectoryParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch {
    return { ok: false, problems: [{ row: 0, field: '(file)', message: 'not valid JSON' }] };
  }
  const shape = DirectoryFile.safeParse(raw);
  if (shape.success) return checkReferences(shape.data);
  const problems = shape.error.issues.map((issue) => {
    const [section, index, ...field] = issue.path;
    return section === 'services' && typeof index === 'number'
      ? { row: index + 1, field: field.join('.') || '(row)', message: issue.message }
      : { row: 0, field: issue.path.join('.') || '(file)', message: issue.message };
  });
  return { ok: false, problems };
}

function parseCsv(content: string): DirectoryParseResult {
  let records: Array<Record<string, string>>;
  try {
    records = parse(content, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    return { ok: false, problems: [{ row: 0, field: '(file)', message: `not valid CSV: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const problems: DirectoryProblem[] = [];
  const header = Object.keys(records[0] ?? {});
  for (const column of CSV_COLUMNS) {
    if (records.length > 0 && !header.includes(column)) problems.push({ row: 0, field: column, message: 'missing column' });
  }
  if (problems.length > 0) return { ok: false, problems };

  const regions = new Map<string, string>();
  const services: ServiceRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    const row = index + 1;
    if (record.id && seen.has(record.id)) problems.push({ row, field: 'id', message: `duplicate of row ${seen.get(record.id)}` });
    else if (record.id) seen.set(record.id, row);
    const bool = (field: string) => {
      const value = (record[field] ?? '').toLowerCase();
      if (YES.has(value)) return true;
      if (NO.has(value)) return false;
      problems.push({ row, field, message: `expected yes or no, got "${record[field]}"` });
      return false;
    };
    const candidate = {
      id: record.id,
      category: record.category,
      region: record.region,
      name: record.name,
      landmark: record.landmark,
      hours: record.hours,
      phone: record.phone,
      free: bool('free'),
      confidential: bool('confidential'),
      childFriendly: bool('child_friendly'),
      womenStaff: bool('women_staff'),
      languages: (record.languages ?? '').split(/[\s,;]+/).filter(Boolean),
      demo: bool('demo'),
      verifiedAt: record.verified_at,
    };
    const parsed = ServiceRow.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ row, field: csvName(String(issue.path[0] ?? '(row)')), message: issue.message });
      return;
    }
    const regionName = record.region_name;
    if (!regionName) problems.push({ row, field: 'region_name', message: 'required' });
    else if (regions.has(parsed.data.region) && regions.get(parsed.data.region) !== regionName) {
      problems.push({ row, field: 'region_name', message: `region "${parsed.data.region}" is named "${regions.get(parsed.data.region)}" on an earlier row` });
    } else regions.set(parsed.data.region, regionName);
    services.push(parsed.data);
  });
  if (problems.length > 0) return { ok: false, problems };
  const file = DirectoryFile.safeParse({ regions: [...regions].map(([id, name]) => ({ id, name })), services });
  if (!file.success) return { ok: false, problems: file.error.issues.map((i) => ({ row: 0, field: i.path.join('.'), message: i.message })) };
  return checkReferences(file.data);
}

/** Ids unique, regions known, dates not in the future. */
function checkReferences(file: DirectoryFile): DirectoryParseResult {
  const problems: DirectoryProblem[] = [];
  const regions = new Set(file.regions.map((r) => r.id));
  const ids = new Map<string, number>();
  file.services.forEach((service, index) => {
    const row = index + 1;
    if (ids.has(service.id)) problems.push({ row, field: 'id', message: `duplicate of row ${ids.get(service.id)}` });
    else ids.set(service.id, row);
    if (!regions.has(service.region)) problems.push({ row, field: 'region', message: `unknown region "${service.region}"` });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, file };
}

const csvName = (field: string) => ({ childFriendly: 'child_friendly', womenStaff: 'women_staff', verifiedAt: 'verified_at' })[field] ?? field;

/** Writes a directory in the same format `directory import` reads. */
export function formatDirectory(file: DirectoryFile, format: 'csv' | 'json'): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (format === 'json') {
    return `${JSON.stringify({ regions: file.regions, services: file.services.map((s) => ({ ...s, verifiedAt: day(s.verifiedAt) })) }, null, 2)}\n`;
  }
  const names = new Map(file.regions.map((r) => [r.id, r.name]));
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return stringify(
    file.services.map((s) => [
      s.id,
      s.category,
      s.region,
      names.get(s.region) ?? '',
      s.name,
      s.landmark,
      s.hours,
      s.phone,
      yes(s.free),
      yes(s.confidential),
      yes(s.childFriendly),
      yes(s.womenStaff),
      s.languages.join(','),
      yes(s.demo),
      day(s.verifiedAt),
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}
