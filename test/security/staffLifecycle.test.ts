import { execFile } from 'node:child_process';
import path from 'node:path';
import { consoleLogin, makeIntake, makeStaff } from '../desk/deskFixtures';
import { childEnv, createTestServer, type TestServer } from '../support/testServer';

/**
 * Issue: staff could not be removed: no way to deactivate an account or revoke a token
 * except editing the database. Now the CLI and the admin API deactivate (token, console
 * sessions and Telegram link stop at once, claims go back to the queue), reactivate,
 * rotate tokens and set passwords, each audited.
 */
const BIN = path.join(__dirname, '..', '..', 'bin', 'passerelle.js');
const PASSWORD = 'un mot de passe solide';

function cli(t: TestServer, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: childEnv(t) }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin!.end(input);
  });
}
const lastLine = (text: string) => text.trim().split('\n').at(-1)!;

describe('staff lifecycle from the command line', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('deactivates at once: token, console session, Telegram link and claims', async () => {
    const awa = await makeStaff(t, { name: 'Awa Sow', password: PASSWORD });
    const intake = await makeIntake(t);
    expect((await t.http.post(`/api/v1/intakes/${intake.id}/claim`).set(awa.auth)).status).toBe(200);
    const { agent } = await consoleLogin(t, 'Awa Sow', PASSWORD);
    expect((await agent.get('/console/')).status).toBe(200);
    await t.server.prisma.staff.update({ where: { id: awa.id }, data: { telegramIdHash: 'linked-hash-awa' } });

    const res = await cli(t, ['staff', 'deactivate', '--name', 'Awa Sow']);
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toMatch(/requests put back in the queue: 1; console sessions ended: 1/);

    expect((await t.http.get('/api/v1/me').set(awa.auth)).status).toBe(401);
    const home = await agent.get('/console/');
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/console/login');
    expect(await t.server.prisma.staff.findUniqueOrThrow({ where: { id: awa.id } })).toMatchObject({ active: false, telegramIdHash: null });
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'pending', claimedById: null });
    const audit = await t.server.prisma.auditEvent.findMany({ where: { action: { in: ['staff.deactivated', 'intake.released'] } } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual(
      expect.arrayContaining([
        ['intake.released', 'system'],
        ['staff.deactivated', 'admin'],
      ]),
    );
    // Logging in again is refused too.
    expect((await consoleLogin(t, 'Awa Sow', PASSWORD)).res.status).toBe(401);

    const list = JSON.parse((await cli(t, ['staff', 'list', '--json'])).stdout);
    expect(list.find((s: { name: string }) => s.name === 'Awa Sow')).toMatchObject({ active: false, telegramLinked: false, consolePassword: true });
    expect(JSON.stringify(list)).not.toMatch(/tokenHash|passwordHash|scrypt|linked-hash/);
  });

  it('reactivates with a new token only (the old one never works again)', async () => {
    const binta = await makeStaff(t, { name: 'Binta Ka' });
    await cli(t, ['staff', 'deactivate', '--name', 'Binta Ka']);
    const res = await cli(t, ['staff', 'reactivate', '--name', 'Binta Ka']);
    expect(res.code).toBe(0);
    const token = lastLine(res.stdout);
    expect(token).toMatch(/^psl_[A-Za-z0-9_-]{43}$/);
    expect((await t.http.get('/api/v1/me').set(binta.auth)).status).toBe(401);
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${token}` })).body).toMatchObject({ name: 'Binta Ka' });
    expect(await t.server.prisma.auditEvent.count({ where: { action: 'staff.reactivated' } })).toBe(1);
  });

  it('rotates a token: the new one on the last line, the old one stops at once', async () => {
    const coumba = await makeStaff(t, { name: 'Coumba Fall' });
    const res = await cli(t, ['staff', 'rotate-token', '--name', 'Coumba Fall']);
    const token = lastLine(res.stdout);
    expect((await t.http.get('/api/v1/me').set(coumba.auth)).status).toBe(401);
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${token}` })).status).toBe(200);
    expect(await t.server.prisma.auditEvent.count({ where: { action: 'staff.token_rotated' } })).toBe(1);
  });

  it('sets a password from stdin, ending the open console sessions', async () => {
    await makeStaff(t, { name: 'Dior Ndiaye', password: PASSWORD });
    const { agent } = await consoleLogin(t, 'Dior Ndiaye', PASSWORD);
    const res = await cli(t, ['staff', 'set-password', '--name', 'Dior Ndiaye', '--password-stdin'], 'un autre mot de passe\n');
    expect(res).toMatchObject({ code: 0 });
    expect(res.stdout).not.toContain('un autre mot de passe');
    expect((await agent.get('/console/')).status).toBe(303);
    expect((await consoleLogin(t, 'Dior Ndiaye', PASSWORD)).res.status).toBe(401);
    expect((await consoleLogin(t, 'Dior Ndiaye', 'un autre mot de passe')).res.status).toBe(303);
    const short = await cli(t, ['staff', 'set-password', '--name', 'Dior Ndiaye', '--password-stdin'], 'court\n');
    expect(short).toMatchObject({ code: 1, stderr: expect.stringMatching(/at least 10 characters/) });
  });

  it('names what is wrong: an unknown name, a name shared by two accounts', async () => {
    expect(await cli(t, ['staff', 'deactivate', '--name', 'Personne'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/No active staff account named "Personne"/) });
    await makeStaff(t, { name: 'Fatou Diallo' });
    await cli(t, ['staff', 'deactivate', '--name', 'Fatou Diallo']);
    await makeStaff(t, { name: 'Fatou Diallo' });
    await cli(t, ['staff', 'deactivate', '--name', 'Fatou Diallo']);
    expect(await cli(t, ['staff', 'reactivate', '--name', 'Fatou Diallo'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/2 accounts are named "Fatou Diallo": give the id/) });
  });
});

describe('staff administration in the API (admins)', () => {
  let t: TestServer;
  let admin: Awaited<ReturnType<typeof makeStaff>>;
  let worker: Awaited<ReturnType<typeof makeStaff>>;
  beforeAll(async () => {
    t = await createTestServer();
    admin = await makeStaff(t, { role: 'admin', queues: ['gbv'], languages: ['fr'] });
    worker = await makeStaff(t);
  });
  afterAll(async () => {
    await t.close();
  });
  const as = (who: { auth: Record<string, string> }) => ({
    get: (p: string) => t.http.get(p).set(who.auth),
    post: (p: string, body?: object) =>
      t.http
        .post(p)
        .set(who.auth)
        .send(body ?? {}),
  });

  it('creates, lists, rotates, deactivates, reactivates and sets passwords; each audited with the admin as actor', async () => {
    const created = await as(admin).post('/api/v1/staff', { name: 'Eva Mendy', role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' });
    expect(created.status).toBe(201);
    const { id, token } = created.body;
    const list = await as(admin).get('/api/v1/staff');
    expect(list.body.staff.find((s: { id: string }) => s.id === id)).toMatchObject({ name: 'Eva Mendy', active: true, consolePassword: false });

    const rotated = await as(admin).post(`/api/v1/staff/${id}/rotate-token`);
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${rotated.body.token}` })).status).toBe(200);
    expect((await as(admin).post(`/api/v1/staff/${id}/password`, { password: 'une phrase de passe' })).status).toBe(204);
    expect((await as(admin).post(`/api/v1/staff/${id}/deactivate`)).body).toMatchObject({ id, claimsReleased: 0 });
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${rotated.body.token}` })).status).toBe(401);
    const again = await as(admin).post(`/api/v1/staff/${id}/reactivate`);
    expect((await t.http.get('/api/v1/me').set({ Authorization: `Bearer ${again.body.token}` })).status).toBe(200);

    const audit = await t.server.prisma.auditEvent.findMany({ where: { action: { startsWith: 'staff.' }, actor: `staff:${admin.id}` } });
    expect(audit.map((a) => a.action)).toEqual(['staff.created', 'staff.token_rotated', 'staff.password_set', 'staff.deactivated', 'staff.reactivated']);
  });

  it.each([
    ['a caseworker lists staff', 'get', '/api/v1/staff', undefined, 403],
    ['a caseworker deactivates someone', 'post', '/api/v1/staff/{worker}/deactivate', undefined, 403],
  ])('refuses when %s', async (_label, method, path, body, status) => {
    const p = path.replace('{worker}', worker.id);
    const res = method === 'get' ? await as(worker).get(p) : await as(worker).post(p, body);
    expect(res.status).toBe(status);
    expect((await t.http.get('/api/v1/me').set(worker.auth)).status).toBe(200);
  });

  it.each([
    ['an unknown account → 404', '/api/v1/staff/0123456789abcdef01234567/deactivate', {}, 404, /No such staff account/],
    ['a malformed id → 404', '/api/v1/staff/..%2Fme/deactivate', {}, 404, /No such staff account/],
    ['their own account → 409', '/api/v1/staff/{admin}/deactivate', {}, 409, /your own account/],
    ['a short password → 400', '/api/v1/staff/{worker}/password', { password: 'court' }, 400, /password/],
    ['a body with unknown fields → 400', '/api/v1/staff', { name: 'X Y', role: 'boss', queues: [], languages: ['fr'] }, 400, /role|queues/],
  ])('answers an admin asking for %s', async (_label, path, body, status, message) => {
    const res = await as(admin).post(path.replace('{admin}', admin.id).replace('{worker}', worker.id), body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
  });
});
