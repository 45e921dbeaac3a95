import 'dotenv/config';
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { purge, type PurgeResult } from '../caseLink/purge';
import { processClock, processRandomBytes } from '../clock';
import { createStaff, NewStaff } from '../desk/staffAccounts';
import { deactivateStaff, findStaff, listStaff, reactivateStaff, rotateStaffToken, setStaffPassword, setStaffSupervisor } from '../desk/staffLifecycle';
import { listIntakes } from '../caseLink/listIntakes';
import { flowParams, loadConfig } from '../config';
import { checkDirectoryFits } from '../content/directoryFit';
import { loadFlow } from '../flows/loadFlow';
import { createValidator } from '../gateway/flowData';
import { loadPacks, loadResources, Localizer } from '../locales/localizer';
import { generateKeyValues } from '../crypto/keyring';
import { registerContentCommands } from '../content/contentCli';
import { openMigratedDatabase, type PrismaClient } from '../db';
import { backupDatabase } from './backup';
import { replaceDirectory, type DirectoryFile } from '../directory/directory';
import { formatDirectory, parseDirectory, readDirectory } from '../directory/directoryFile';

/**
 * `passerelle`: the programme admin's command line. Results go to stdout, errors
 * to stderr, a failure exits non-zero; `--json` gives machine-readable output.
 */
export function buildCli(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Command {
  const program = new Command('passerelle').description('Passerelle messaging gateway: administration').exitOverride();

  const withDatabase = async <T>(work: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
    const config = loadConfig();
    const prisma = await openMigratedDatabase(config.DATABASE_URL);
    try {
      return await work(prisma);
    } finally {
      await prisma.$disconnect();
    }
  };

  const intakes = program.command('intakes').description('callback requests');
  intakes
    .command('list')
    .description('list intakes, newest first, never with contact details')
    .option('--status <status>', 'only this status (pending, claimed, closed, cancelled, expired, handed_off)')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 200)
    .option('--json', 'machine-readable output')
    .action(async (opts: { status?: string; limit: number; json?: boolean }) => {
      const rows = await withDatabase((prisma) => listIntakes({ prisma }, { status: opts.status, limit: opts.limit }));
      if (opts.json) {
        out(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) {
        out('No intakes.');
        return;
      }
      const table = rows.map((r) => ({
        label: r.label,
        status: r.status,
        queue: r.queue,
        channel: r.channel,
        subject: r.subject,
        lang: r.language,
        caller: r.callerGender,
        window: r.timeWindow,
        cover: r.cover,
        created: r.createdAt.toISOString().slice(0, 16).replace('T', ' '),
        expires: r.expiresAt.toISOString().slice(0, 16).replace('T', ' '),
      }));
      out(formatTable(table));
      out(`${rows.length} intake(s)`);
    });

  program
    .command('keys')
    .description('sealing and hashing keys')
    .command('generate')
    .description('print fresh DATA_KEYS and HASH_KEY values')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const keys = generateKeyValues();
      out(opts.json ? JSON.stringify(keys) : `DATA_KEYS=${keys.DATA_KEYS}\nHASH_KEY=${keys.HASH_KEY}`);
    });

  program
    .command('backup')
    .description('a consistent copy of the live database (the server may keep running), checked; it holds sealed numbers: keep it no longer than INTAKE_TTL_HOURS, stored like the keys')
    .requiredOption('--output <file>', 'where to write the copy (a new file)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { output: string; json?: boolean }) => {
      const config = loadConfig();
      const result = await backupDatabase(config.DATABASE_URL, opts.output);
      if (opts.json) {
        out(JSON.stringify(result));
        return;
      }
      out(`backup written: ${result.file} (${result.engine}, ${result.bytes} bytes, ${result.tables} tables${result.intakes === undefined ? '' : `, ${result.intakes} intakes`}, checked)`);
      process.stderr.write(`It holds sealed numbers: keep it no longer than INTAKE_TTL_HOURS (${config.INTAKE_TTL_HOURS} h) and store it like the keys (DATA_KEYS), never beside them.\n`);
    });

  program
    .command('purge')
    .description('run the retention purge once and print what it removed (counts)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const result = await withDatabase((prisma) => purge({ prisma, clock: processClock(), config }));
      out(opts.json ? JSON.stringify(result) : formatPurge(result));
    });

  const staff = program.command('staff').description('callback desk staff accounts');
  staff
    .command('add')
    .description('create a staff account; the last line of output is its API token (shown once)')
    .requiredOption('--name <name>', 'display name, also the console login')
    .requiredOption('--role <role>', 'caseworker | supervisor | admin')
    .requiredOption('--queues <q1,q2>', 'queues this person works')
    .requiredOption('--languages <fr,wo>', 'languages this person calls in')
    .option('--gender <f|m>', 'so that a person who asked for a woman or a man gets one')
    .option('--password-stdin', 'read a console password from the first line of stdin (never from the command line)')
    .option('--supervisor <name>', "a caseworker's supervisor (an active supervisor or admin account, under SUPERVISION_LIMIT caseworkers)")
    .option('--json', 'machine-readable output')
    .action(async (opts: { name: string; role: string; queues: string; languages: string; gender?: string; passwordStdin?: boolean; supervisor?: string; json?: boolean }) => {
      const list = (v: string) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      const password = opts.passwordStdin ? fs.readFileSync(0, 'utf8').split(/\r?\n/)[0] : undefined;
      const input = { name: opts.name, role: opts.role, queues: list(opts.queues), languages: list(opts.languages), gender: opts.gender, password };
      const parsed = NewStaff.safeParse(input);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
      const config = loadConfig();
      const { id, token } = await withDatabase(async (prisma) => {
        const supervisorId = opts.supervisor ? (await findStaff({ prisma }, { name: opts.supervisor, active: true })).id : undefined;
        return createStaff({ prisma, clock: processClock(), randomBytes: processRandomBytes(), config }, { ...parsed.data, supervisorId });
      });
      if (opts.json) {
        out(JSON.stringify({ id, name: parsed.data.name, role: parsed.data.role, token }));
        return;
      }
      out(`staff account ${id} created: ${parsed.data.name} (${parsed.data.role}; queues ${parsed.data.queues.join(',')}; languages ${parsed.data.languages.join(',')})`);
      out(password ? 'console password set' : 'no console password (API and Telegram only)');
      if (opts.supervisor) out(`supervisor: ${opts.supervisor}`);
      out('API token (shown once, store it now):');
      out(token);
    });

  const lifecycle = (prisma: PrismaClient) => ({ prisma, clock: processClock(), randomBytes: processRandomBytes() });
  const who = (opts: { name?: string; id?: string }) => ({ name: opts.name, id: opts.id });
  staff
    .command('list')
    .description('every staff account (never a token, a password or a Telegram id)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const rows = await withDatabase((prisma) => listStaff({ prisma }));
      if (opts.json) return out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return out('No staff accounts.');
      out(
        formatTable(
          rows.map((r) => ({
            id: r.id,
            name: r.name,
            role: r.role,
            queues: r.queues.join(','),
            languages: r.languages.join(','),
            gender: r.gender ?? '-',
            active: r.active ? 'yes' : 'no',
            console: r.consolePassword ? 'yes' : 'no',
            telegram: r.telegramLinked ? 'linked' : '-',
            supervisor: r.supervisor ?? '-',
          })),
        ),
      );
      out(`${rows.length} account(s)`);
    });
  staff
    .command('deactivate')
    .description('stop an account at once: token and console sessions, Telegram link; its requests go back to the queue')
    .option('--name <name>', 'the account (its console login)')
    .option('--id <id>', 'the account id, when several accounts share a name')
    .action(async (opts: { name?: string; id?: string }) => {
      const result = await withDatabase(async (prisma) => {
        const account = await findStaff({ prisma }, { ...who(opts), active: true });
        return { account, ...(await deactivateStaff(lifecycle(prisma), { staffId: account.id, by: 'admin' })) };
      });
      out(`staff account ${result.account.id} deactivated: ${result.account.name}`);
      out(`requests put back in the queue: ${result.claimsReleased}; console sessions ended: ${result.sessionsEnded}`);
    });
  staff
    .command('reactivate')
    .description('reactivate an account; the last line of output is its new API token (shown once)')
    .option('--name <name>', 'the account (its console login)')
    .option('--id <id>', 'the account id, when several accounts share a name')
    .action(async (opts: { name?: string; id?: string }) => {
      const result = await withDatabase(async (prisma) => {
        const account = await findStaff({ prisma }, { ...who(opts), active: false });
        return { account, ...(await reactivateStaff(lifecycle(prisma), { staffId: account.id, by: 'admin' })) };
      });
      out(`staff account ${result.account.id} reactivated: ${result.account.name} (link Telegram again if needed)`);
      out('API token (shown once, store it now):');
      out(result.token);
    });
  staff
    .command('rotate-token')
    .description('give an active account a new API token (the old one stops at once); the last line of output is the token')
    .option('--name <name>', 'the account (its console login)')
    .option('--id <id>', 'the account id, when several accounts share a name')
    .action(async (opts: { name?: string; id?: string }) => {
      const result = await withDatabase(async (prisma) => {
        const account = await findStaff({ prisma }, { ...who(opts), active: true });
        return { account, ...(await rotateStaffToken(lifecycle(prisma), { staffId: account.id, by: 'admin' })) };
      });
      out(`new API token for ${result.account.name}; the old one no longer works. Shown once, store it now:`);
      out(result.token);
    });
  staff
    .command('set-supervisor')
    .description("set or remove a caseworker's supervisor (audited); refused past SUPERVISION_LIMIT caseworkers unless --override")
    .option('--name <name>', 'the caseworker (their console login)')
    .option('--id <id>', 'the caseworker account id, when several accounts share a name')
    .option('--supervisor <name>', 'the supervisor: an active supervisor or admin account')
    .option('--none', 'remove the supervisor')
    .option('--override', 'go past SUPERVISION_LIMIT caseworkers (a handover; audited)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name?: string; id?: string; supervisor?: string; none?: boolean; override?: boolean; json?: boolean }) => {
      if (!opts.supervisor === !opts.none) throw new Error('give either --supervisor NAME or --none');
      const config = loadConfig();
      const result = await withDatabase(async (prisma) => {
        const account = await findStaff({ prisma }, { ...who(opts), active: true });
        const supervisor = opts.supervisor ? await findStaff({ prisma }, { name: opts.supervisor, active: true }) : null;
        const set = await setStaffSupervisor({ prisma, clock: processClock(), config }, { staffId: account.id, supervisorId: supervisor?.id ?? null, override: opts.override, by: 'admin' });
        return { account, supervisor, ...set };
      });
      if (opts.json)
        return out(
          JSON.stringify({
            id: result.account.id,
            name: result.account.name,
            supervisorId: result.supervisorId,
            supervisor: result.supervisor?.name ?? null,
            caseworkers: result.caseworkers,
            overridden: result.overridden,
            changed: result.changed,
          }),
        );
      if (!result.supervisor) return out(`${result.account.name} has no supervisor${result.changed ? ' now' : ' (unchanged)'}`);
      out(`${result.account.name} is supervised by ${result.supervisor.name}${result.changed ? '' : ' (unchanged)'}`);
      out(
        `${result.supervisor.name} supports ${result.caseworkers} caseworker(s) (about ${config.SUPERVISION_WARNING}, never more than ${config.SUPERVISION_LIMIT}${result.overridden ? '; over the limit by override' : ''})`,
      );
    });
  staff
    .command('set-password')
    .description("set an active account's console password (read from stdin); its console sessions end")
    .option('--name <name>', 'the account (its console login)')
    .option('--id <id>', 'the account id, when several accounts share a name')
    .requiredOption('--password-stdin', 'read the password from the first line of stdin (never from the command line)')
    .action(async (opts: { name?: string; id?: string }) => {
      const password = fs.readFileSync(0, 'utf8').split(/\r?\n/)[0];
      const result = await withDatabase(async (prisma) => {
        const account = await findStaff({ prisma }, { ...who(opts), active: true });
        return { account, ...(await setStaffPassword(lifecycle(prisma), { staffId: account.id, password, by: 'admin' })) };
      });
      out(`console password set for ${result.account.name}; console sessions ended: ${result.sessionsEnded}`);
    });

  registerContentCommands(program, out);

  const directory = program.command('directory').description('the service directory (CSV or JSON)');
  directory
    .command('import')
    .description('validate a directory file and replace the whole directory with it, or change nothing')
    .argument('<file>', 'a .csv or .json file (see `directory export`)')
    .option('--format <format>', 'csv or json (default: from the file name)')
    .option('--dry-run', 'only validate')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { format?: string; dryRun?: boolean; json?: boolean }) => {
      const format = (opts.format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'json')) as 'csv' | 'json';
      if (format !== 'csv' && format !== 'json') throw new Error('--format must be csv or json');
      const result = parseDirectory(fs.readFileSync(file, 'utf8'), format);
      if (!result.ok) {
        if (opts.json) out(JSON.stringify({ applied: false, problems: result.problems }, null, 2));
        for (const p of result.problems) process.stderr.write(`${p.row === 0 ? 'file' : `row ${p.row}`}: ${p.field}: ${p.message}\n`);
        throw new Error(`${result.problems.length} problem(s); nothing was changed`);
      }
      const tooLong = directoryFits(result.file);
      if (tooLong.length > 0) {
        for (const p of tooLong) process.stderr.write(`row ${p.row}: ${p.field}: ${p.message}\n`);
        throw new Error(`${tooLong.length} problem(s); nothing was changed`);
      }
      const counts = { regions: result.file.regions.length, services: result.file.services.length };
      if (!opts.dryRun) await withDatabase((prisma) => replaceDirectory(prisma, result.file));
      out(
        opts.json
          ? JSON.stringify({ applied: !opts.dryRun, ...counts })
          : `${opts.dryRun ? 'valid, not applied' : 'directory replaced'}: ${counts.regions} region(s), ${counts.services} service(s)` +
              (opts.dryRun ? '' : '\nA running server picks it up at its next purge cycle (PURGE_INTERVAL_SECONDS) or on restart.'),
      );
    });
  directory
    .command('export')
    .description('write the directory in the format `directory import` reads')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--output <file>', 'write to a file instead of stdout')
    .action(async (opts: { format: string; output?: string }) => {
      if (opts.format !== 'csv' && opts.format !== 'json') throw new Error('--format must be csv or json');
      const text = formatDirectory(await withDatabase((prisma) => readDirectory(prisma)), opts.format);
      if (opts.output) fs.writeFileSync(opts.output, text);
      else process.stdout.write(text);
    });

  return program;
}

/** What a purge removed, one count a line. */
function formatPurge(result: PurgeResult): string {
  const labels: Record<string, string> = {
    expired: 'expired intakes',
    contactsDestroyed: 'sealed contacts destroyed',
    auditPruned: 'audit entries pruned',
    sessionsPruned: 'console sessions pruned',
    claimsReleased: 'claims of deactivated staff returned to the queue',
    linkCodesCleared: 'Telegram link codes cleared',
    handoffsPruned: 'finished hand-offs pruned',
    attemptsPruned: 'failed attempts (wrong codes, logins) pruned',
  };
  return Object.entries(result)
    .map(([key, count]) => `${labels[key] ?? key}: ${count}`)
    .join('\n');
}

/** Every service of a directory file on a USSD screen, in every enabled language. */
function directoryFits(file: DirectoryFile) {
  const config = loadConfig();
  const localizer = new Localizer(loadResources(), { packs: loadPacks(), showDrafts: config.SHOW_DRAFT_STRINGS });
  const flow = loadFlow(undefined, (key) => localizer.hasKey(key));
  return checkDirectoryFits(file, { flow, localizer, languages: config.LANGUAGES, params: flowParams(config), validate: createValidator(config.DEFAULT_COUNTRY) });
}

/** Plain fixed-width table. */
export function formatTable(rows: Array<Record<string, string>>): string {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

/** Runs the command line: exits non-zero with a message on stderr when a command fails. */
export function run(argv: string[] = process.argv): void {
  buildCli()
    .parseAsync(argv)
    .catch((err) => {
      if (err instanceof CommanderError) process.exit(err.exitCode);
      process.stderr.write(`passerelle: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

// `npm run passerelle -- …` runs this file directly; `passerelle`/`npx passerelle` go through bin/passerelle.js.
if (require.main === module) run();
