import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKeyring } from '../../src/crypto/keyring';
import { createPrisma } from '../../src/db';
import { makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

/** The review's smaller doors: HSTS everywhere, the `__Host-` cookie, owner-only files, loopback-only simulator helpers, no unused dependency. */
describe('production hardening', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ NODE_ENV: 'production', AT_WEBHOOK_SECRET: 'prod-secret' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends HSTS on every response, not only the console', async () => {
    for (const res of [
      await t.http.get('/healthz'),
      await t.http.post('/webhooks/africastalking/ussd?secret=prod-secret').type('form').send({}),
      await t.http.get('/nowhere'),
      await t.http.get('/api/v1/me'),
    ]) {
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('names the console session cookie with the __Host- prefix (Secure, whole host, no Domain), and the API reads it', async () => {
    await makeStaff(t, { name: 'Prod Agent', password: 'un mot de passe solide' });
    // A browser keeps Secure cookies over TLS only: the test carries them by hand over plain HTTP.
    const form = await t.http.get('/console/login');
    const loginCookie = (form.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
    const res = await t.http.post('/console/login').set('Cookie', loginCookie).type('form').send({ name: 'Prod Agent', password: 'un mot de passe solide', _csrf: csrf });
    expect(res.status).toBe(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.includes('psl_session='))!;
    expect(cookie).toMatch(/^__Host-psl_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const token = /^__Host-psl_session=([^;]+)/.exec(cookie)![1];
    expect((await t.http.get('/api/v1/me').set('Cookie', `__Host-psl_session=${token}`)).status).toBe(200);
    expect((await t.http.get('/api/v1/me').set('Cookie', `psl_session=${token}`)).status).toBe(401);
  });
});

describe('development', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends no HSTS (plain http on a laptop)', async () => {
    expect((await t.http.get('/healthz')).headers['strict-transport-security']).toBeUndefined();
  });

  it('answers the simulator helpers that sign requests or hand out a secret only on this machine', async () => {
    const sign = { path: '/webhooks/twilio/sms', params: { Body: 'x' } };
    expect((await t.http.post('/simulator/twilio/sign').send(sign)).status).toBe(200);
    expect((await t.http.get('/simulator/telegram/config.json')).status).toBe(200);
    // Through a proxy (even one on this machine), the client is not this machine.
    const forwarded = await t.http.post('/simulator/twilio/sign').set('X-Forwarded-For', '192.0.2.50').send(sign);
    expect(forwarded.status).toBe(403);
    expect(forwarded.body.error.message).toMatch(/loopback/);
    for (const header of ['Forwarded', 'X-Real-IP', 'Via']) expect((await t.http.get('/simulator/telegram/config.json').set(header, '192.0.2.50')).status).toBe(403);
  });
});

describe('database files', () => {
  it('are created readable by the owner only, in a folder only the owner can enter', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-mode-')), 'data');
    const file = path.join(dir, 'passerelle.db');
    const prisma = await createPrisma(`file:${file}`);
    await prisma.$executeRawUnsafe('CREATE TABLE t (x TEXT)');
    await prisma.$executeRawUnsafe("INSERT INTO t VALUES ('y')");
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    for (const suffix of ['', '-wal', '-shm']) expect((fs.statSync(file + suffix).mode & 0o777).toString(8)).toBe('600');
    await prisma.$disconnect();
    // A file left readable by an older version is narrowed at the next start.
    fs.chmodSync(file, 0o644);
    await (await createPrisma(`file:${file}`)).$disconnect();
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});

describe('the data folder of a first development start', () => {
  it('is created by the keyring the owner’s alone', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-keys-')), 'data');
    loadKeyring({ NODE_ENV: 'development', DATA_DIR: dir });
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.join(dir, 'keys.json')).mode & 0o777).toString(8)).toBe('600');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});

describe('dependencies', () => {
  it('lists no production dependency that nothing uses', () => {
    const root = path.join(__dirname, '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'generated') walk(full);
        else if (/\.(ts|js|cjs)$/.test(entry.name)) sources.push(fs.readFileSync(full, 'utf8'));
      }
    };
    for (const dir of ['src', 'bin', 'scripts']) walk(path.join(root, dir));
    sources.push(fs.readFileSync(path.join(root, 'prisma.config.ts'), 'utf8'));
    const code = sources.join('\n');
    // Used as programs rather than imported (the Prisma CLI for migrations, tsx for development and
    // scripts), or by the generated Prisma client (@prisma/client).
    const programs = ['prisma', 'tsx', '@prisma/client'];
    const unused = Object.keys(pkg.dependencies).filter((name) => !programs.includes(name) && !code.includes(`'${name}`) && !code.includes(`"${name}`));
    expect(unused).toEqual([]);
  });
});
