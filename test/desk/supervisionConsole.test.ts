import { claimIntake } from '../../src/caseLink/claimIntake';
import { createTestServer, type TestServer } from '../support/testServer';
import { consoleLogin, makeIntake, makeStaff } from './deskFixtures';

const PASSWORD = 'un mot de passe solide';
const HOUR = 3_600_000;
/** Headers of a console page are about 1 KB: the body gets the rest of the 30 KB budget. */
const BODY_BUDGET = 29 * 1024;
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

describe('supervisor desk pages with a full desk', () => {
  let t: TestServer;
  let admin: Awaited<ReturnType<typeof makeStaff>>;
  const workers: Array<Awaited<ReturnType<typeof makeStaff>>> = [];
  const numbers: string[] = [];
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    admin = await makeStaff(t, { name: 'Ada Admin', role: 'admin', password: PASSWORD });
    for (let i = 0; i < 6; i += 1) await makeStaff(t, { name: `Superviseure numéro ${i + 1}`, role: 'supervisor' });
    for (let i = 0; i < 45; i += 1)
      workers.push(await makeStaff(t, { name: `Intervenante au nom assez long ${i + 1}`, queues: ['gbv', 'child_protection', 'migrant_protection'], languages: ['fr', 'en', 'wo'] }));
    // 60 claims that will be stale, and 40 pending requests that will be near expiry.
    for (let i = 0; i < 60; i += 1) {
      const intake = await makeIntake(t);
      numbers.push(intake.contact);
      await claimIntake(t.server.desk.context, { intakeId: intake.id, actor: { id: workers[i % 45].id, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' } });
    }
    for (let i = 0; i < 40; i += 1) numbers.push((await makeIntake(t, { language: i % 2 ? 'fr' : 'en' })).contact);
    t.clock.advance(67 * HOUR);
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps every page under 30 KB, lists what it cannot show as a count, and shows no number', async () => {
    const { agent } = await consoleLogin(t, 'Ada Admin', PASSWORD);
    const overview = await agent.get('/console/supervision');
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('et 45 autre(s), non listée(s).'); // 60 stale claims, 15 listed
    expect(overview.text).toContain('et 25 autre(s), non listée(s).'); // 40 near expiry, 15 listed
    const claimed = await t.server.prisma.intake.findFirstOrThrow({ where: { status: 'claimed' } });
    const paths = ['/console/staff', `/console/staff/${workers[0].id}`, `/console/supervision/staff/${workers[0].id}`, '/console/stats', `/console/supervision/reassign/${claimed.id}`];
    const pages = [{ path: '/console/supervision', res: overview }];
    for (const path of paths) pages.push({ path, res: await agent.get(path) });
    for (const { path, res } of pages) {
      expect(res.status).toBe(200);
      const bytes = Buffer.byteLength(res.text);
      expect({ path, underBudget: bytes < BODY_BUDGET }).toEqual({ path, underBudget: true });
      for (const n of numbers) expect(res.text).not.toContain(n.slice(4));
    }
    console.log(`full desk page sizes: ${pages.map(({ path, res }) => `${path} ${Buffer.byteLength(res.text)} B`).join(', ')}`);
  });

  it('refuses every form without its CSRF token, changing nothing', async () => {
    const { agent } = await consoleLogin(t, 'Ada Admin', PASSWORD);
    const claimed = await t.server.prisma.intake.findFirstOrThrow({ where: { status: 'claimed' } });
    for (const path of [
      `/console/supervision/reassign/${claimed.id}`,
      `/console/staff/${workers[1].id}/supervisor`,
      `/console/staff/${workers[1].id}/rotate-token`,
      `/console/staff/${workers[1].id}/deactivate`,
    ]) {
      const res = await agent.post(path).type('form').send({ staffId: workers[2].id, supervisorId: '', confirm: '1' });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    expect((await t.server.prisma.staff.findUniqueOrThrow({ where: { id: workers[1].id } })).active).toBe(true);
    expect(await t.server.prisma.auditEvent.count({ where: { actor: `staff:${admin.id}` } })).toBe(0);
  });

  it('says why a form was refused on the same page: the supervision limit, a deactivation not confirmed', async () => {
    const { agent } = await consoleLogin(t, 'Ada Admin', PASSWORD);
    const page = await agent.get(`/console/staff/${workers[0].id}`);
    const csrf = csrfOf(page.text);
    const sup = await t.server.prisma.staff.findFirstOrThrow({ where: { name: 'Superviseure numéro 1' } });
    for (const w of workers.slice(0, 8)) {
      const res = await agent.post(`/console/staff/${w.id}/supervisor`).type('form').send({ _csrf: csrf, supervisorId: sup.id });
      expect(res.status).toBe(303);
    }
    const refused = await agent.post(`/console/staff/${workers[8].id}/supervisor`).type('form').send({ _csrf: csrf, supervisorId: sup.id });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('a atteint la limite de personnes suivies');
    const forced = await agent.post(`/console/staff/${workers[8].id}/supervisor`).type('form').send({ _csrf: csrf, supervisorId: sup.id, override: '1' });
    expect(forced.headers.location).toBe(`/console/staff/${workers[8].id}?done=supervisorSetOver`);
    expect((await agent.get(forced.headers.location)).text).toContain('au-delà de la limite');
    const overview = await agent.get('/console/supervision');
    expect(overview.text).toMatch(/Superviseure numéro 1<\/td><td class="over">9\/8 · au-delà du maximum/);

    const unconfirmed = await agent.post(`/console/staff/${workers[9].id}/deactivate`).type('form').send({ _csrf: csrf });
    expect(unconfirmed.status).toBe(400);
    expect((await t.server.prisma.staff.findUniqueOrThrow({ where: { id: workers[9].id } })).active).toBe(true);
    const self = await agent.post(`/console/staff/${admin.id}/deactivate`).type('form').send({ _csrf: csrf, confirm: '1' });
    expect(self.status).toBe(409);
    expect(self.text).toContain('votre propre compte');
  });
});
