import { queueFor } from '../config';
import { generateLabel, generateReference, referenceHash } from './referenceCode';
import { OPEN_STATUSES, type CaseLinkDeps } from './types';
import { engineOfClient, sqliteConnection } from '../db';
import type Database from 'better-sqlite3';

export interface CreateIntakeOptions {
  channel: string;
  /** HMAC of the channel session: a retried request finds the intake already made. */
  sessionHash: string;
  /** HMAC of the address that made the request. */
  requesterHash: string;
  /** The number to call back, normalised (E.164); sealed, never stored in clear. */
  contact: string;
  subject: 'self' | 'self_minor' | 'child' | 'other';
  /** What the person wants to talk about, if they said (a need, or `none`). */
  topic?: string | null;
  language: string;
  callerGender: 'female' | 'male' | 'any';
  timeWindow: 'morning' | 'afternoon' | 'evening' | 'any';
  cover: string;
}

export type CreateIntakeResult =
  /** A new intake; `reference` is the person's code, shown to them this once and stored only as a keyed hash. */
  | { outcome: 'ok'; intakeId: string; reference: string; label: string }
  /**
   * This session already made its intake (a provider retry that raced the first, a
   * replayed path): nothing more is created, and its code cannot be shown again.
   */
  | { outcome: 'exists'; intakeId: string }
  | { outcome: 'limit' };

const MAX_REFERENCE_TRIES = 8;

/**
 * Creates a pending intake with the contact sealed under the intake id.
 * Idempotent: a retried webhook finds the intake already created for this session (`exists`).
 * A number that already has too many open requests gets `limit` instead of a new intake.
 */
export async function createIntake(deps: CaseLinkDeps, options: CreateIntakeOptions): Promise<CreateIntakeResult> {
  const { prisma, keyring, randomBytes } = deps;
  const contactHash = keyring.hash(options.contact);
  for (let attempt = 0; attempt < MAX_REFERENCE_TRIES; attempt += 1) {
    const row = newIntakeRow(deps, options, contactHash, {
      id: randomBytes(16).toString('hex'),
      reference: generateReference(randomBytes),
      label: generateLabel(randomBytes),
    });
    try {
      // The count and the insert are one transaction, serialised per number by the database
      // (SQLite: one writer; PostgreSQL: advisory locks on the two hashes): two requests naming
      // the same number at the same moment, on one instance or two, never both pass the limit.
      const connection = sqliteConnection(prisma);
      const result = connection ? countThenInsertOnSqlite(connection, deps, row) : await prisma.$transaction((tx) => countThenInsert(deps, tx as unknown as typeof prisma, row), TRANSACTION_OPTIONS);
      deps.events?.count(result.outcome === 'ok' ? 'created' : 'refused_limit');
      return result;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // This session already has its intake (a retry, or a concurrent retry that won the race).
      const raced = await prisma.intake.findUnique({ where: { sessionHash: options.sessionHash }, select: { id: true } });
      if (raced) return { outcome: 'exists', intakeId: raced.id };
      // Otherwise the reference code or the label collided: draw again.
    }
  }
  throw new Error('createIntake: could not draw a free reference code and label');
}

/** Requests wait for each other per number; a burst on one SQLite writer queues (seconds at most). */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };

/** A unique index refused the row: Prisma's P2002, or SQLite's own code on the direct path. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'P2002' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Everything written for one new intake, computed before the transaction. */
interface IntakeRow {
  options: CreateIntakeOptions;
  contactHash: string;
  id: string;
  reference: string;
  label: string;
  referenceHash: string;
  queue: string;
  sealed: { ciphertext: string; nonce: string; keyId: string };
  now: Date;
  expiresAt: Date;
}

function newIntakeRow(deps: CaseLinkDeps, options: CreateIntakeOptions, contactHash: string, { id, reference, label }: { id: string; reference: string; label: string }): IntakeRow {
  const { keyring, config, clock } = deps;
  const now = clock();
  return {
    options,
    contactHash,
    id,
    reference,
    label,
    referenceHash: referenceHash(keyring, reference),
    queue: queueFor(config, options.subject, options.topic),
    // Sealed under the intake id (its AAD): the ciphertext cannot be moved to another intake.
    sealed: keyring.seal(options.contact, id),
    now,
    expiresAt: new Date(now.getTime() + config.INTAKE_TTL_HOURS * 3_600_000),
  };
}

/**
 * SQLite: the same transaction as countThenInsert, as four prepared statements run
 * synchronously on the driver adapter's own connection (BEGIN IMMEDIATE: this
 * connection's write lock is taken before the count). Nothing else runs in between, in
 * this process or another; Prisma's query compiler, which cost most of this step, is
 * not on the path. Dates are written as the adapter writes them (ISO 8601, +00:00).
 */
function countThenInsertOnSqlite(connection: Database.Database, deps: CaseLinkDeps, row: IntakeRow): CreateIntakeResult {
  const statements = sqliteStatements(connection);
  const { options } = row;
  const at = sqliteDate(row.now);
  return connection
    .transaction((): CreateIntakeResult => {
      const { n } = statements.count.get(options.requesterHash, row.contactHash, options.sessionHash) as { n: number };
      if (n >= deps.config.MAX_OPEN_REQUESTS) {
        statements.event.run(null, 'intake.refused', JSON.stringify({ reason: 'open_limit', channel: options.channel }), at);
        return { outcome: 'limit' };
      }
      statements.intake.run(
        row.id,
        row.referenceHash,
        row.label,
        row.queue,
        options.channel,
        options.subject,
        options.topic ?? null,
        options.language,
        options.callerGender,
        options.timeWindow,
        options.cover,
        options.sessionHash,
        at,
        at,
        sqliteDate(row.expiresAt),
      );
      statements.contact.run(row.id, row.sealed.ciphertext, row.sealed.nonce, row.sealed.keyId, options.requesterHash, row.contactHash);
      statements.event.run(row.id, 'intake.created', JSON.stringify({ channel: options.channel }), at);
      return { outcome: 'ok', intakeId: row.id, reference: row.reference, label: row.label };
    })
    .immediate();
}

function sqliteDate(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/**
 * Open requests naming this requester or this number, outside this session (a retry is
 * not counted against itself: its insert meets the unique session hash). The two lookups
 * go through the hashes' own indexes, whatever the number of pending requests.
 */
export const OPEN_COUNT_SQL = `
  SELECT COUNT(*) AS n FROM (
    SELECT "intakeId" FROM "OpenContact" WHERE "requesterHash" = ?
    UNION SELECT "intakeId" FROM "OpenContact" WHERE "contactHash" = ?
  ) c JOIN "Intake" i ON i."id" = c."intakeId"
  WHERE i."status" IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')}) AND i."sessionHash" <> ?`;

/** The same, with PostgreSQL's numbered parameters ($1, $2, $3). */
const OPEN_COUNT_SQL_NUMBERED = OPEN_COUNT_SQL.split('?').reduce((sql, part, i) => `${sql}$${i}${part}`);

type Statements = Record<'count' | 'intake' | 'contact' | 'event', Database.Statement>;

/** Prepared once per connection. */
const prepared = new WeakMap<Database.Database, Statements>();

function sqliteStatements(connection: Database.Database): Statements {
  let statements = prepared.get(connection);
  if (!statements) {
    statements = {
      count: connection.prepare(OPEN_COUNT_SQL),
      intake: connection.prepare(`INSERT INTO "Intake" ("id", "referenceHash", "label", "status", "queue", "channel", "subject", "topic", "language",
        "callerGender", "timeWindow", "cover", "sessionHash", "createdAt", "updatedAt", "expiresAt")
        VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      contact: connection.prepare(`INSERT INTO "OpenContact" ("intakeId", "sealedContact", "contactNonce", "contactKeyId", "requesterHash", "contactHash")
        VALUES (?, ?, ?, ?, ?, ?)`),
      event: connection.prepare(`INSERT INTO "AuditEvent" ("intakeId", "action", "actor", "detail", "at") VALUES (?, ?, 'requester', ?, ?)`),
    };
    prepared.set(connection, statements);
  }
  return statements;
}

async function countThenInsert(deps: CaseLinkDeps, tx: CaseLinkDeps['prisma'], row: IntakeRow): Promise<CreateIntakeResult> {
  const { config } = deps;
  const { options, contactHash, now } = row;
  if (engineOfClient(deps.prisma) === 'postgresql') {
    // Taken in one order, so two requests never wait on each other's second number; released at commit.
    for (const hash of [...new Set([options.requesterHash, contactHash])].sort()) {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${hash}, 0))`;
    }
  }
  // The count is plain SQL (both engines): on this hot path it costs a fraction of a compiled Prisma query.
  const sql = engineOfClient(deps.prisma) === 'postgresql' ? OPEN_COUNT_SQL_NUMBERED : OPEN_COUNT_SQL;
  const [{ n }] = await tx.$queryRawUnsafe<Array<{ n: number | bigint }>>(sql, options.requesterHash, contactHash, options.sessionHash);
  if (Number(n) >= config.MAX_OPEN_REQUESTS) {
    await tx.auditEvent.create({
      data: { action: 'intake.refused', actor: 'requester', detail: JSON.stringify({ reason: 'open_limit', channel: options.channel }), at: now },
    });
    return { outcome: 'limit' };
  }
  await tx.intake.create({
    data: {
      id: row.id,
      referenceHash: row.referenceHash,
      label: row.label,
      status: 'pending',
      queue: row.queue,
      channel: options.channel,
      subject: options.subject,
      topic: options.topic ?? null,
      language: options.language,
      callerGender: options.callerGender,
      timeWindow: options.timeWindow,
      cover: options.cover,
      sessionHash: options.sessionHash,
      // The sealed number and its lookup hashes live beside the intake only while it is open (see OpenContact).
      openContact: {
        create: {
          sealedContact: row.sealed.ciphertext,
          contactNonce: row.sealed.nonce,
          contactKeyId: row.sealed.keyId,
          requesterHash: options.requesterHash,
          contactHash,
        },
      },
      createdAt: now,
      updatedAt: now,
      expiresAt: row.expiresAt,
      events: { create: { action: 'intake.created', actor: 'requester', detail: JSON.stringify({ channel: options.channel }), at: now } },
    },
    select: { id: true },
  });
  return { outcome: 'ok', intakeId: row.id, reference: row.reference, label: row.label };
}
