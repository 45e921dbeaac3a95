import { execFile } from 'node:child_process';
import path from 'node:path';
import { login } from '../../src/desk/auth';
import { childEnv, createTestServer, type TestServer } from '../support/testServer';

const BIN = path.join(__dirname, '..', '..', 'bin', 'passerelle.js');

/** Runs the CLI with `input` on stdin. */
function run(t: TestServer, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: childEnv(t) }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}

describe('passerelle staff add / purge', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates an account whose token is the last line of stdout, stored only as a hash, password hashed with scrypt', async () => {
    const res = await run(
      t,
      ['staff', 'add', '--name', 'Awa Diop', '--role', 'caseworker', '--queues', 'gbv,child_protection', '--languages', 'fr,wo', '--gender', 'f', '--password-stdin'],
      'correct horse battery\n',
    );
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const token = res.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^psl_[A-Za-z0-9_-]{43}$/);
    const row = await t.server.prisma.staff.findFirstOrThrow({ where: { name: 'Awa Diop' } });
    expect(row).toMatchObject({ role: 'caseworker', queues: 'gbv,child_protection', languages: 'fr,wo', gender: 'f', active: true });
    expect(row.tokenHash).not.toContain(token);
    expect(row.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.passwordHash).not.toContain('correct horse');
    const me = await t.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(me.body).toMatchObject({ name: 'Awa Diop', queues: ['gbv', 'child_protection'] });

    expect(await login(t.server.prisma, 'Awa Diop', 'correct horse battery')).toMatchObject({ id: row.id });
    expect(await login(t.server.prisma, 'Awa Diop', 'wrong horse battery')).toBeNull();
  });

  it('refuses bad options with a message naming the option, and a duplicate name', async () => {
    const bad = await run(t, ['staff', 'add', '--name', 'X Y', '--role', 'boss', '--queues', 'gbv', '--languages', 'fr']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--role/);
    const first = await run(t, ['staff', 'add', '--name', 'Same Name', '--role', 'supervisor', '--queues', 'gbv', '--languages', 'fr', '--json']);
    expect(JSON.parse(first.stdout)).toMatchObject({ name: 'Same Name', role: 'supervisor', token: expect.stringMatching(/^psl_/) });
    const again = await run(t, ['staff', 'add', '--name', 'Same Name', '--role', 'supervisor', '--queues', 'gbv', '--languages', 'fr']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already named/);
  });

  it('purge prints the counts of every kind it removed', async () => {
    await t.server.prisma.staffSession.create({
      data: { id: 'expired-session', staffId: (await t.server.prisma.staff.findFirstOrThrow()).id, csrfToken: 'x', createdAt: new Date('2020-01-01'), expiresAt: new Date('2020-01-02') },
    });
    const res = await run(t, ['purge']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('console sessions pruned: 1');
    expect(res.stdout).toContain('expired intakes: 0');
  });
});
