import 'dotenv/config';
import { Command, CommanderError } from 'commander';
import { expireIntakes } from '../caseLink/expireIntakes';
import { listIntakes } from '../caseLink/listIntakes';
import { loadConfig } from '../config';
import { generateKeyValues } from '../crypto/keyring';
import { openMigratedDatabase, type PrismaClient } from '../db';

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
        reference: r.reference,
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
    .command('purge')
    .description('run the retention purge once and print what it removed (counts)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const result = await withDatabase((prisma) => expireIntakes({ prisma, clock: () => new Date() }));
      out(opts.json ? JSON.stringify(result) : `expired intakes: ${result.expired}\nsealed contacts destroyed: ${result.contactsDestroyed}`);
    });

  return program;
}

/** Plain fixed-width table. */
export function formatTable(rows: Array<Record<string, string>>): string {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(columns.map((c) => r[c])))].join('\n');
}

if (require.main === module || process.argv[1]?.endsWith('passerelle.js')) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err) => {
      if (err instanceof CommanderError) process.exit(err.exitCode);
      process.stderr.write(`passerelle: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
