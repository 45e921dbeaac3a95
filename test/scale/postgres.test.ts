import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { adminQuery, postgresTableBytes } from '../support/scale';
import { codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const ROOT = path.join(__dirname, '..', '..');
const PRISMA_CLI = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

/** Every table's columns, indexes and foreign keys (order-independent), from PostgreSQL's catalog. */
async function shape(database: string) {
  const columns = await adminQuery(
    `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    [],
    database,
  );
  const indexes = await adminQuery(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`, [], database);
  const constraints = await adminQuery(
    `SELECT conrelid::regclass::text AS "table", conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY conname`,
    [],
    database,
  );
  return { columns, indexes, constraints };
}

describe('the PostgreSQL schema', () => {
  // (That prisma/postgresql/schema.prisma is generated from prisma/schema.prisma is checked in every run: test/prisma.)
  it('its migrations build exactly that schema (they cannot drift apart)', async () => {
    const { stdout: script } = await promisify(execFile)(process.execPath, [PRISMA_CLI, 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/postgresql/schema.prisma', '--script'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: process.env.PASSERELLE_TEST_POSTGRES_URL, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    });
    const fresh = `fresh_${process.pid}`;
    await adminQuery(`CREATE DATABASE "${fresh}"`);
    try {
      await adminQuery(script, [], fresh);
      expect(await shape(process.env.PASSERELLE_TEST_POSTGRES_TEMPLATE!)).toEqual(await shape(fresh));
    } finally {
      await adminQuery(`DROP DATABASE "${fresh}" WITH (FORCE)`);
    }
  });

  it('keeps planner statistics off every sealed or hashed column', async () => {
    const sampled = await adminQuery<{ table: string; column: string }>(
      `SELECT c.relname AS "table", a.attname AS "column" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND a.attstattarget <> 0
         AND (a.attname ~* '(sealed|nonce|hash|csrf)' OR a.attname = 'key' OR (c.relname = 'StaffSession' AND a.attname = 'id'))`,
      [],
      process.env.PASSERELLE_TEST_POSTGRES_TEMPLATE!,
    );
    expect(sampled).toEqual([]);
  });
});

describe('a destroyed number leaves no bytes in PostgreSQL’s table files once the purge has run', () => {
  let t: TestServer;
  let database: string;
  beforeEach(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50', MAX_CALL_ATTEMPTS: '2' });
    database = new URL(t.databaseUrl).pathname.slice(1);
  });
  afterEach(async () => {
    await t.close();
  });

  /** A request and its sealed values as stored: what must go once its number is destroyed. */
  async function sealedRequest() {
    const { id } = await makeIntake(t);
    const row = await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: id } });
    // (The ciphertext is stored as base64 text: that text is what the files would hold.)
    return { id, secrets: [row.sealedContact, row.contactHash, row.requesterHash] };
  }
  const found = (bytes: string, secrets: string[]) => secrets.filter((s) => bytes.includes(s));

  it('closed, cancelled, expired: heap, dead tuples, indexes, TOAST and statistics', async () => {
    const staff = await makeStaff(t);
    const api = (route: string, body?: object) =>
      t.http
        .post(route)
        .set(staff.auth)
        .send(body ?? {});
    const made = [];
    for (let i = 0; i < 60; i += 1) made.push(await sealedRequest());
    // Planner statistics of every table, as autovacuum would gather them.
    await adminQuery('ANALYZE', [], database);
    const all = made.flatMap((m) => m.secrets);
    // The search finds what is there: before any destruction, every value is in the files.
    expect(found((await postgresTableBytes(database)).toString('latin1'), all)).toHaveLength(all.length);

    // A third closed by staff, one cancelled by the person (USSD), the rest expired by the purge.
    const closed = made.filter((_, i) => i % 3 === 0);
    for (const { id } of closed) {
      await api(`/api/v1/intakes/${id}/claim`);
      expect((await api(`/api/v1/intakes/${id}/close`, { reason: 'resolved' })).status).toBe(200);
    }
    const phone = new UssdSession(t.server.app, '+221770000811');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const code = codeShownIn(await phone.send('1'));
    const cancelledRow = await t.server.prisma.openContact.findFirstOrThrow({ where: { requesterHash: t.server.desk.context.keyring.hash('+221770000811') } });
    const cancelled = [cancelledRow.sealedContact, cancelledRow.contactHash, cancelledRow.requesterHash];
    const cancel = new UssdSession(t.server.app, '+221770000811');
    await cancel.dial();
    expect(await cancel.send(`1*5*${code}`)).toMatch(/^END Demande annulée/);

    const destroyed = [...closed.flatMap((m) => m.secrets), ...cancelled];
    await t.server.purge();
    await adminQuery('ANALYZE', [], database);
    const open = made.filter((_, i) => i % 3 !== 0).flatMap((m) => m.secrets);
    const afterClose = (await postgresTableBytes(database)).toString('latin1');
    expect(found(afterClose, destroyed)).toEqual([]);
    // The open requests' numbers are still there (the rewrite kept the live rows).
    expect(found(afterClose, open)).toHaveLength(open.length);

    t.clock.advance((t.config.INTAKE_TTL_HOURS + 1) * 3_600_000);
    await t.server.purge();
    await adminQuery('ANALYZE', [], database);
    expect(found((await postgresTableBytes(database)).toString('latin1'), [...all, ...cancelled])).toEqual([]);
    expect(await t.server.prisma.openContact.count()).toBe(0);
  });
});
