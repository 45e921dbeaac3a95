import { execFile } from 'node:child_process';
import path from 'node:path';
import { childEnv, createTestServer, type TestServer } from '../support/testServer';

const BIN = path.join(__dirname, '..', '..', 'bin', 'passerelle.js');

function run(t: TestServer, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: childEnv(t, env) }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end();
  });
}

describe('passerelle staff add --supervisor / staff set-supervisor', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });
  const account = (name: string) => t.server.prisma.staff.findFirstOrThrow({ where: { name } });
  const add = (name: string, role: string, extra: string[] = []) => run(t, ['staff', 'add', '--name', name, '--role', role, '--queues', 'gbv', '--languages', 'fr', ...extra]);

  it('creates a caseworker with a supervisor, audited; refuses an unknown supervisor and a supervised supervisor', async () => {
    expect((await add('Sam Superviseur', 'supervisor')).code).toBe(0);
    const awa = await add('Awa Diop', 'caseworker', ['--supervisor', 'Sam Superviseur']);
    expect(awa).toMatchObject({ code: 0, stderr: '' });
    expect(awa.stdout).toContain('supervisor: Sam Superviseur');
    const sam = await account('Sam Superviseur');
    const row = await account('Awa Diop');
    expect(row.supervisorId).toBe(sam.id);
    const created = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { action: 'staff.created', detail: { contains: row.id } } });
    expect(JSON.parse(created.detail!)).toEqual({ staffId: row.id, role: 'caseworker', supervisorId: sam.id });

    const unknown = await add('Binta Sow', 'caseworker', ['--supervisor', 'Personne']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No active staff account named "Personne"/);
    const supervised = await add('Chef Deux', 'supervisor', ['--supervisor', 'Sam Superviseur']);
    expect(supervised.code).toBe(1);
    expect(supervised.stderr).toMatch(/Only a caseworker account has a supervisor/);
    const byCaseworker = await add('Binta Sow', 'caseworker', ['--supervisor', 'Awa Diop']);
    expect(byCaseworker.code).toBe(1);
    expect(byCaseworker.stderr).toMatch(/Only an active supervisor or admin/);
    expect(await t.server.prisma.staff.count({ where: { name: { in: ['Binta Sow', 'Chef Deux'] } } })).toBe(0);
  });

  it('sets and removes a supervisor, refuses past SUPERVISION_LIMIT unless --override, and lists it', async () => {
    expect((await add('Binta Sow', 'caseworker')).code).toBe(0);
    const limited = { SUPERVISION_LIMIT: '1', SUPERVISION_WARNING: '1' };
    const refused = await run(t, ['staff', 'set-supervisor', '--name', 'Binta Sow', '--supervisor', 'Sam Superviseur'], limited);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already supports 1 caseworkers \(limit 1\)/);
    const forced = await run(t, ['staff', 'set-supervisor', '--name', 'Binta Sow', '--supervisor', 'Sam Superviseur', '--override'], limited);
    expect(forced).toMatchObject({ code: 0, stderr: '' });
    expect(forced.stdout).toContain('Binta Sow is supervised by Sam Superviseur');
    expect(forced.stdout).toContain('Sam Superviseur supports 2 caseworker(s) (about 1, never more than 1; over the limit by override)');

    const list = await run(t, ['staff', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/supervisor$/);
    expect(list.stdout.split('\n').find((l) => l.includes('Binta Sow'))).toMatch(/Sam Superviseur$/);

    const none = await run(t, ['staff', 'set-supervisor', '--name', 'Awa Diop', '--none', '--json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ name: 'Awa Diop', supervisorId: null, supervisor: null, changed: true });
    expect((await account('Awa Diop')).supervisorId).toBeNull();
    const neither = await run(t, ['staff', 'set-supervisor', '--name', 'Awa Diop']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/--supervisor NAME or --none/);

    const audit = await t.server.prisma.auditEvent.findMany({ where: { action: { startsWith: 'staff.supervisor_set' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['staff.supervisor_set_override', 'admin'],
      ['staff.supervisor_set', 'admin'],
    ]);
    expect(JSON.parse(audit[0].detail!)).toMatchObject({ supervisorId: (await account('Sam Superviseur')).id, caseworkers: 2, limit: 1 });
  });
});
