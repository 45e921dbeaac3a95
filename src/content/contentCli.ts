import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CHANNELS } from '../channels/registry';
import { loadConfig, flowParams } from '../config';
import { sqliteFileFromUrl } from '../databaseUrl';
import { createPrisma } from '../db';
import { DEMO_DIRECTORY_FILE, Directory, DirectoryFile } from '../directory/directory';
import { loadFlow } from '../flows/loadFlow';
import { createFlowData, createValidator } from '../gateway/flowData';
import { loadPacks, loadResources, Localizer, REFERENCE_LANGUAGE } from '../locales/localizer';
import { formatContentReport, runContentCheck, type ContentReport } from './contentCheck';
import { exportTranslations, importTranslations, writePack } from './translationFile';

const LOCALES_DIR = path.join(__dirname, '..', 'locales');

/** The directory to check screens with: the deployed one when a database exists, else the demo file. */
async function directoryForCheck(databaseUrl: string): Promise<Directory> {
  const file = sqliteFileFromUrl(databaseUrl);
  if (file !== ':memory:' && fs.existsSync(file)) {
    const prisma = await createPrisma(databaseUrl);
    try {
      const directory = await Directory.load(prisma);
      if (directory.regions().length > 0) return directory;
    } catch {
      // Not migrated yet: fall back to the demo directory.
    } finally {
      await prisma.$disconnect();
    }
  }
  return Directory.fromFile(DirectoryFile.parse(JSON.parse(fs.readFileSync(DEMO_DIRECTORY_FILE, 'utf8'))));
}

/** Runs the whole content check for the packs in `localesDir`. */
export async function checkContent(localesDir = LOCALES_DIR, languages?: string[]): Promise<ContentReport> {
  const config = loadConfig();
  const resources = loadResources(localesDir);
  const packs = loadPacks(localesDir);
  // The check reads every pack's own strings, drafts included.
  const localizer = new Localizer(resources, { packs, showDrafts: true });
  const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
  const directory = await directoryForCheck(config.DATABASE_URL);
  const langs = languages ?? Object.keys(resources).sort((a, b) => (a === REFERENCE_LANGUAGE ? -1 : b === REFERENCE_LANGUAGE ? 1 : a.localeCompare(b)));
  return runContentCheck({
    flow,
    localizer,
    packs,
    languages: langs,
    data: createFlowData(() => directory, langs),
    params: flowParams(config),
    validate: createValidator(config.DEFAULT_COUNTRY),
    channels: CHANNELS.map((channel) => ({ id: channel.id, content: channel.content(config), buttons: channel.capabilities.buttons, notice: channel.notice })),
    staleEntries: directory.entries().filter((e) => e.stale && !e.demo),
  });
}

/** `passerelle content check | export | import`. */
export function registerContentCommands(program: Command, out: (line: string) => void): void {
  const content = program.command('content').description('language packs and screens');
  content
    .command('check')
    .description("check every pack and every screen against every channel's limits")
    .option('--languages <list>', 'only these languages (comma-separated)')
    .option('--locales <dir>', 'the locales folder to check', LOCALES_DIR)
    .option('--json', 'machine-readable output')
    .action(async (opts: { languages?: string; locales: string; json?: boolean }) => {
      const report = await checkContent(
        opts.locales,
        opts.languages?.split(',').map((l) => l.trim()),
      );
      out(opts.json ? JSON.stringify({ ...report, screens: undefined, budgets: undefined }, null, 2) : formatContentReport(report));
      if (report.violations > 0) process.exitCode = 1;
    });
  content
    .command('export')
    .description('write a file a translator can work in (CSV: key, French, text, status, notes, budget)')
    .requiredOption('--lang <code>', 'the language to export')
    .option('--output <file>', 'write to a file instead of stdout')
    .option('--locales <dir>', 'the locales folder', LOCALES_DIR)
    .action(async (opts: { lang: string; output?: string; locales: string }) => {
      const report = await checkContent(opts.locales, [REFERENCE_LANGUAGE, ...(opts.lang === REFERENCE_LANGUAGE ? [] : [opts.lang])]);
      const csv = exportTranslations(opts.lang, loadResources(opts.locales), loadPacks(opts.locales)[opts.lang], report.budgets);
      if (opts.output) fs.writeFileSync(opts.output, csv);
      else process.stdout.write(csv);
    });
  content
    .command('import')
    .description("read a translator's file back, checking placeholders and budgets; all or nothing")
    .argument('<file>', 'a CSV written by `content export`')
    .requiredOption('--lang <code>', 'the language of the file')
    .option('--locales <dir>', 'the locales folder', LOCALES_DIR)
    .action(async (file: string, opts: { lang: string; locales: string }) => {
      if (!/^[a-z]{2,3}$/.test(opts.lang)) throw new Error('--lang must be a language code such as wo');
      if (opts.lang === REFERENCE_LANGUAGE) throw new Error('the reference language is edited directly');
      const resources = loadResources(opts.locales);
      const report = await checkContent(opts.locales, [REFERENCE_LANGUAGE, ...(resources[opts.lang] ? [opts.lang] : [])]);
      const result = importTranslations(fs.readFileSync(file, 'utf8'), opts.lang, resources, report.budgets);
      if (!result.ok) {
        for (const p of result.problems) process.stderr.write(`${p.row === 0 ? 'file' : `row ${p.row}`}: ${p.field}: ${p.message}\n`);
        throw new Error(`${result.problems.length} problem(s); nothing was changed`);
      }
      writePack(opts.locales, opts.lang, resources[REFERENCE_LANGUAGE], result.translations, result.review);
      out(`${opts.lang}: ${result.changed} string(s) changed. Run \`passerelle content check\` to see every screen.`);
    });
}
