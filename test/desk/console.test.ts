import request from 'supertest';
import { createTestServer, type TestServer } from '../support/testServer';
import { makeIntake, makeStaff } from './deskFixtures';

const PASSWORD = 'un mot de passe solide';

/** A supertest agent keeps cookies like a browser; returns it logged in. */
async function loggedIn(t: TestServer, name: string) {
  const agent = request.agent(t.server.app);
  const form = await agent.get('/console/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
  const res = await agent.post('/console/login').type('form').send({ name, password: PASSWORD, _csrf: csrf });
  expect(res.status).toBe(303);
  return agent;
}
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];

describe('web console /console/', () => {
  let t: TestServer;
  let awa: Awaited<ReturnType<typeof makeStaff>>;
  let binta: Awaited<ReturnType<typeof makeStaff>>;
  beforeAll(async () => {
    t = await createTestServer({ LOGIN_RATE_LIMIT: '20', MAX_OPEN_REQUESTS: '50' });
    awa = await makeStaff(t, { name: 'Awa', password: PASSWORD });
    binta = await makeStaff(t, { name: 'Binta', password: PASSWORD });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends a visitor without a session to the login page, in French, with security headers and no script', async () => {
    const home = await t.http.get('/console/');
    expect(home.status).toBe(303);
    expect(home.headers.location).toBe('/console/login');
    const login = await t.http.get('/console/login');
    expect(login.status).toBe(200);
    expect(login.text).toContain('<html lang="fr">');
    expect(login.text).toContain('Se connecter');
    expect(login.text).not.toMatch(/<script/i);
    expect(login.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(login.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
    expect(login.headers['x-frame-options']).toBe('DENY');
    expect(login.headers['x-content-type-options']).toBe('nosniff');
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.headers['set-cookie'][0]).toMatch(/HttpOnly/);
    expect(login.headers['set-cookie'][0]).toMatch(/SameSite=Strict/);
  });

  it('logs in with a CSRF-protected form into an httpOnly, SameSite=Strict session cookie; refuses a wrong password or a missing token', async () => {
    const agent = request.agent(t.server.app);
    const form = await agent.get('/console/login');
    const csrf = csrfOf(form.text);
    const missing = await agent.post('/console/login').type('form').send({ name: 'Awa', password: PASSWORD });
    expect(missing.status).toBe(400);
    expect(csrfOf(missing.text)).not.toBe(csrf);
    const wrong = await agent
      .post('/console/login')
      .type('form')
      .send({ name: 'Awa', password: 'wrong', _csrf: csrfOf(missing.text) });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Nom ou mot de passe incorrect');
    const form2 = await agent.get('/console/login');
    const ok = await agent
      .post('/console/login')
      .type('form')
      .send({ name: 'Awa', password: PASSWORD, _csrf: csrfOf(form2.text) });
    expect(ok.status).toBe(303);
    const session = ok.headers['set-cookie'][0];
    expect(session).toMatch(/^psl_session=/);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    // Only the token's hash is stored.
    const token = /psl_session=([^;]+)/.exec(session)![1];
    expect(JSON.stringify(await t.server.prisma.staffSession.findMany())).not.toContain(token);
    const home = await agent.get('/console/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('File d&#39;attente');
  });

  it('marks its cookies Secure and asks for HTTPS when the public origin is https', async () => {
    const t2 = await createTestServer({ PUBLIC_BASE_URL: 'https://bureau.example.org' });
    try {
      const form = await t2.http.get('/console/login');
      expect(form.headers['set-cookie'][0]).toMatch(/; Secure/);
      expect(form.headers['strict-transport-security']).toMatch(/max-age=/);
      await makeStaff(t2, { name: 'Awa', password: PASSWORD });
      // (The test client speaks http, so it would not send a Secure cookie back by itself.)
      const loginCookie = form.headers['set-cookie'][0].split(';')[0];
      const ok = await t2.http
        .post('/console/login')
        .set('Cookie', loginCookie)
        .type('form')
        .send({ name: 'Awa', password: PASSWORD, _csrf: csrfOf(form.text) });
      expect(ok.status).toBe(303);
      const session = ok.headers['set-cookie'][0];
      expect(session).toMatch(/^psl_session=/);
      for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict']) expect(session).toContain(`; ${flag}`);
    } finally {
      await t2.close();
    }
    // Over plain http in development, no Secure flag (the browser would drop the cookie).
    expect((await t.http.get('/console/login')).headers['set-cookie'][0]).not.toMatch(/Secure/);
  });

  it('rate-limits login attempts', async () => {
    const t2 = await createTestServer({ LOGIN_RATE_LIMIT: '3' });
    try {
      const agent = request.agent(t2.server.app);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const csrf = csrfOf((await agent.get('/console/login')).text);
        statuses.push((await agent.post('/console/login').type('form').send({ name: 'nobody', password: 'guess', _csrf: csrf })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(t2.logs.join('')).not.toContain('nobody');
    } finally {
      await t2.close();
    }
  });

  it('claims, reveals on request, hides, records an outcome and closes, with CSRF on every form', async () => {
    const intake = await makeIntake(t, { cover: 'friend' });
    const agent = await loggedIn(t, 'Awa');
    const queue = await agent.get('/console/');
    expect(queue.text).toContain(`/console/intakes/${intake.id}`);
    expect(queue.text).not.toContain(intake.contact.slice(4));
    const page = await agent.get(`/console/intakes/${intake.id}`);
    const csrf = csrfOf(page.text);
    // A form without the token changes nothing.
    expect((await agent.post(`/console/intakes/${intake.id}/claim`).type('form').send({})).status).toBe(403);
    expect((await agent.post(`/console/intakes/${intake.id}/claim`).type('form').send({ _csrf: 'forged' })).status).toBe(403);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('pending');

    const claimed = await agent.post(`/console/intakes/${intake.id}/claim`).type('form').send({ _csrf: csrf });
    expect(claimed.status).toBe(303);
    expect(claimed.headers.location).toBe(`/console/intakes/${intake.id}?done=claimed`);
    const mine = await agent.get(claimed.headers.location);
    expect(mine.text).toContain('Demande prise en charge.');
    expect(mine.text).toContain('Afficher le numéro');
    expect(mine.text).not.toContain(intake.contact.slice(4));

    const revealed = await agent.post(`/console/intakes/${intake.id}/reveal`).type('form').send({ _csrf: csrf });
    expect(revealed.status).toBe(200);
    // A tel: link with the number as dialled, formatted for reading; hidden by the stylesheet after a minute (no refresh).
    expect(revealed.text).toContain(`href="tel:${intake.contact}"`);
    expect(revealed.text).toContain('Une amie');
    expect(revealed.text).not.toContain('http-equiv="refresh"');
    expect(revealed.text).toMatch(/<fieldset class="revealed"/);
    expect(revealed.text).toContain('Masquer le numéro');
    expect(revealed.headers['cache-control']).toBe('no-store');
    const hidden = await agent.get(`/console/intakes/${intake.id}`);
    expect(hidden.text).not.toContain(intake.contact.slice(4));

    // Another staff member cannot reveal.
    const other = await loggedIn(t, 'Binta');
    const otherPage = await other.get(`/console/intakes/${intake.id}`);
    expect(otherPage.text).toContain('suivie par une autre personne');
    const refused = await other
      .post(`/console/intakes/${intake.id}/reveal`)
      .type('form')
      .send({ _csrf: csrfOf(otherPage.text) });
    expect(refused.status).toBe(403);
    expect(refused.text).not.toContain(intake.contact.slice(4));

    expect((await agent.post(`/console/intakes/${intake.id}/outcome`).type('form').send({ _csrf: csrf, outcome: 'reached' })).status).toBe(303);
    expect((await agent.post(`/console/intakes/${intake.id}/close`).type('form').send({ _csrf: csrf, reason: 'bogus' })).status).toBe(400);
    // Closing destroys the number: without the confirmation, nothing is closed.
    const unconfirmed = await agent.post(`/console/intakes/${intake.id}/close`).type('form').send({ _csrf: csrf, reason: 'resolved' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('cochez la confirmation');
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('claimed');
    expect((await agent.post(`/console/intakes/${intake.id}/close`).type('form').send({ _csrf: csrf, reason: 'resolved', confirm: '1' })).status).toBe(303);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'closed', closeReason: 'resolved', contactDestroyedAt: expect.any(Date) });
    const audit = await t.server.prisma.auditEvent.findMany({ where: { intakeId: intake.id }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['intake.created', 'intake.claimed', 'contact.revealed', 'contact.reveal_refused', 'intake.outcome', 'intake.closed']);
  });

  it('asks before an outcome that destroys the number: wrong number, declined, the last attempt', async () => {
    const intake = await makeIntake(t);
    const agent = await loggedIn(t, 'Binta');
    const page = await agent.get(`/console/intakes/${intake.id}`);
    const csrf = csrfOf(page.text);
    await agent.post(`/console/intakes/${intake.id}/claim`).type('form').send({ _csrf: csrf });
    const asked = await agent.post(`/console/intakes/${intake.id}/outcome`).type('form').send({ _csrf: csrf, outcome: 'wrong_number' });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('« Mauvais numéro » clôture la demande : le numéro sera effacé. Confirmer ?');
    expect(asked.text).toContain('name="confirm" value="1"');
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('claimed');
    const done = await agent.post(`/console/intakes/${intake.id}/outcome`).type('form').send({ _csrf: csrf, outcome: 'wrong_number', confirm: '1' });
    expect(done.status).toBe(303);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'closed', closeReason: 'wrong_number' });
    // A first "no answer" needs no confirmation, and says what happened.
    const again = await makeIntake(t);
    await agent.post(`/console/intakes/${again.id}/claim`).type('form').send({ _csrf: csrf });
    const requeued = await agent.post(`/console/intakes/${again.id}/outcome`).type('form').send({ _csrf: csrf, outcome: 'no_answer' });
    expect(requeued.headers.location).toBe(`/console/intakes/${again.id}?done=requeued`);
    expect((await agent.get(requeued.headers.location)).text).toContain('Tentative 1 sur 3 enregistrée : la demande est revenue dans la file');
  });

  it('shows my caseload and switches to English', async () => {
    const intake = await makeIntake(t);
    const agent = await loggedIn(t, 'Binta');
    const page = await agent.get(`/console/intakes/${intake.id}`);
    await agent
      .post(`/console/intakes/${intake.id}/claim`)
      .type('form')
      .send({ _csrf: csrfOf(page.text) });
    const caseload = await agent.get('/console/caseload');
    expect(caseload.text).toContain('Mes dossiers');
    expect(caseload.text).toContain(`/console/intakes/${intake.id}`);
    const switched = await agent.get('/console/lang?to=en');
    expect(switched.status).toBe(303);
    const english = await agent.get('/console/caseload');
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('My caseload');
    const link = await agent
      .post('/console/telegram-link')
      .type('form')
      .send({ _csrf: csrfOf(english.text) });
    expect(link.text).toMatch(/\/link \d{8}/);
    const released = await agent
      .post(`/console/intakes/${intake.id}/release`)
      .type('form')
      .send({ _csrf: csrfOf(english.text) });
    expect(released.status).toBe(303);
    expect((await agent.get('/console/nowhere')).status).toBe(404);
    expect((await agent.get('/console/intakes/0123456789abcdef0123456789abcdef')).status).toBe(404);
  });

  it('ends the session a browser still held when someone logs in on it', async () => {
    const agent = await loggedIn(t, 'Awa');
    const before = await t.server.prisma.staffSession.count({ where: { staffId: awa.id } });
    const form = await agent.get('/console/login');
    expect(
      (
        await agent
          .post('/console/login')
          .type('form')
          .send({ name: 'Binta', password: PASSWORD, _csrf: csrfOf(form.text) })
      ).status,
    ).toBe(303);
    expect(await t.server.prisma.staffSession.count({ where: { staffId: awa.id } })).toBe(before - 1);
    expect((await agent.get('/api/v1/me')).body.name).toBe('Binta');
  });

  it('logs out: the session is gone from the database', async () => {
    const agent = await loggedIn(t, 'Awa');
    const before = await t.server.prisma.staffSession.count({ where: { staffId: awa.id } });
    const home = await agent.get('/console/');
    expect(
      (
        await agent
          .post('/console/logout')
          .type('form')
          .send({ _csrf: csrfOf(home.text) })
      ).status,
    ).toBe(303);
    expect(await t.server.prisma.staffSession.count({ where: { staffId: awa.id } })).toBe(before - 1);
    expect((await agent.get('/console/')).status).toBe(303);
    void binta;
  });

  it('lets the API be used with a console session, state changes needing the X-CSRF-Token header', async () => {
    const intake = await makeIntake(t);
    const agent = await loggedIn(t, 'Awa');
    const home = await agent.get('/console/');
    expect((await agent.get('/api/v1/me')).body.name).toBe('Awa');
    expect((await agent.post(`/api/v1/intakes/${intake.id}/claim`)).status).toBe(403);
    expect((await agent.post(`/api/v1/intakes/${intake.id}/claim`).set('X-CSRF-Token', csrfOf(home.text))).status).toBe(200);
  });
});
