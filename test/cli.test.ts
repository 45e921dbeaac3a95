import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { childEnv, createTestServer, type TestServer } from './support/testServer';
import { UssdSession } from './support/ussdSession';

const run = promisify(execFile);
const BIN = path.join(__dirname, '..', 'bin', 'passerelle.js');

describe('passerelle CLI', () => {
  let t: TestServer;
  // The child's clock is the test's clock, not the system's (which may be any day).
  const env = () => childEnv(t);
  beforeAll(async () => {
    t = await createTestServer();
    const phone = new UssdSession(t.server.app, '+221775550001');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '5', '3', '1', '1', '1', '1']) await phone.send(answer);
    await phone.send('1');
  });
  afterAll(async () => {
    await t.close();
  });

  it('intakes list shows intakes without any contact detail', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'intakes', 'list'], { env: env() });
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    // The staff-facing label; the person's code is never stored in clear, so it cannot be listed.
    expect(stdout).toContain(intake.label);
    expect(stdout).not.toContain(intake.referenceHash);
    expect(stdout).toMatch(/pending\s+child_protection\s+ussd\s+child/);
    expect(stdout.trim().split('\n').at(-1)).toBe('1 intake(s)');
    const lookups = await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intake.id } });
    for (const secret of ['775550001', lookups.sealedContact, lookups.contactHash, lookups.requesterHash]) expect(stdout).not.toContain(secret);
  });

  it('intakes list --json is machine-readable and filters by status', async () => {
    const pending = JSON.parse((await run(process.execPath, [BIN, 'intakes', 'list', '--json'], { env: env() })).stdout);
    expect(pending).toHaveLength(1);
    expect(Object.keys(pending[0]).sort()).toEqual(
      ['callerGender', 'channel', 'cover', 'createdAt', 'endedAt', 'expiresAt', 'id', 'label', 'language', 'queue', 'status', 'subject', 'timeWindow', 'topic'].sort(),
    );
    const closed = JSON.parse((await run(process.execPath, [BIN, 'intakes', 'list', '--status', 'closed', '--json'], { env: env() })).stdout);
    expect(closed).toEqual([]);
  });

  it('keys generate prints usable values', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'keys', 'generate', '--json'], { env: env() });
    const keys = JSON.parse(stdout);
    expect(Buffer.from(keys.DATA_KEYS.split(':')[1], 'base64')).toHaveLength(32);
    expect(Buffer.from(keys.HASH_KEY, 'base64')).toHaveLength(32);
  });

  it('purge prints counts', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'purge', '--json'], { env: env() });
    expect(JSON.parse(stdout)).toEqual({ expired: 0, contactsDestroyed: 0 });
  });

  it('purge runs on the clock it is given: past INTAKE_TTL_HOURS the request expires', async () => {
    const later = new Date(t.clock.now().getTime() + (t.config.INTAKE_TTL_HOURS + 1) * 3_600_000).toISOString();
    const { stdout } = await run(process.execPath, [BIN, 'purge', '--json'], { env: { ...env(), PASSERELLE_TEST_NOW: later } });
    expect(JSON.parse(stdout)).toEqual({ expired: 1, contactsDestroyed: 1 });
    expect(await t.server.prisma.intake.findFirstOrThrow()).toMatchObject({ status: 'expired', contactDestroyedAt: expect.any(Date) });
  });

  it('refuses a test clock outside NODE_ENV=test', async () => {
    await expect(run(process.execPath, [BIN, 'purge'], { env: { ...env(), NODE_ENV: 'production' } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/PASSERELLE_TEST_NOW: only honoured with NODE_ENV=test/),
    });
  });

  it('runs when started through a link of another name, as npx does (node_modules/.bin/passerelle)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bin-'));
    const link = path.join(dir, 'passerelle');
    fs.symlinkSync(BIN, link);
    const { stdout } = await run(process.execPath, [link, 'keys', 'generate'], { env: env() });
    expect(stdout).toMatch(/^DATA_KEYS=k\d{8}:/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a message on stderr and a non-zero exit', async () => {
    await expect(run(process.execPath, [BIN, 'intakes', 'frobnicate'], { env: env() })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown command/) });
    await expect(run(process.execPath, [BIN, 'intakes', 'list'], { env: { ...env(), DATABASE_URL: 'postgres://nope' } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/DATABASE_URL/),
    });
  });
});
