import { consoleLogin, makeIntake, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * The screens promise "erased after the call, or after 72 h at the latest". Only pending
 * requests used to expire: a claimed one kept its number until closed, for ever if
 * nobody closed it. Now every request still open INTAKE_TTL_HOURS after it was made
 * loses its number, and its caseworker is told why it is gone.
 */
const HOUR = 3_600_000;
const PASSWORD = 'un mot de passe solide';

describe('a claimed request past INTAKE_TTL_HOURS', () => {
  let t: TestServer;
  let awa: Awaited<ReturnType<typeof makeStaff>>;
  beforeEach(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    awa = await makeStaff(t, { name: 'Awa', password: PASSWORD });
  });
  afterEach(async () => {
    await t.close();
  });
  const api = (path: string, body?: object) =>
    t.http
      .post(path)
      .set(awa.auth)
      .send(body ?? {});

  it('shows the time left, refuses the number once the time is up (even before the purge), then loses it', async () => {
    const intake = await makeIntake(t);
    await api(`/api/v1/intakes/${intake.id}/claim`);
    t.clock.advance(70 * HOUR);
    const shown = await t.http.get(`/api/v1/intakes/${intake.id}`).set(awa.auth);
    expect(shown.body).toMatchObject({ status: 'claimed', timeLeftMinutes: 120 });
    expect((await api(`/api/v1/intakes/${intake.id}/reveal`)).status).toBe(200);

    t.clock.advance(2 * HOUR);
    const refused = await api(`/api/v1/intakes/${intake.id}/reveal`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'expired', message: expect.stringMatching(/destroyed 72 h after the request/) });
    expect((await api(`/api/v1/intakes/${intake.id}/outcome`, { outcome: 'reached' })).status).toBe(409);

    await t.server.purge();
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    expect(row).toMatchObject({ status: 'expired', closeReason: 'retention', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    const audit = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: intake.id, action: 'intake.expired' } });
    expect(JSON.parse(audit.detail!)).toEqual({ reason: 'retention', was: 'claimed' });
  });

  it('tells its caseworker why it is gone: the API caseload, the console, the staff group', async () => {
    const intake = await makeIntake(t);
    await api(`/api/v1/intakes/${intake.id}/claim`);
    t.clock.advance(73 * HOUR);
    await t.server.purge();

    const caseload = await t.http.get('/api/v1/caseload').set(awa.auth);
    expect(caseload.body).toMatchObject({ active: 0, intakes: [], expired: [{ id: intake.id, label: intake.label, status: 'expired', closeReason: 'retention', timeLeftMinutes: null }] });

    const { agent } = await consoleLogin(t, 'Awa', PASSWORD);
    const page = await agent.get('/console/caseload');
    expect(page.text).toContain('Expirées cette semaine');
    expect(page.text).toContain(intake.label);
    expect(page.text).toContain('ont atteint 72 h : leur numéro a été effacé');
    const detail = await agent.get(`/console/intakes/${intake.id}`);
    expect(detail.text).toContain('Cette demande a atteint 72 h : le numéro a été effacé');
    expect(detail.text).toContain('Délai de 72 h atteint');

    // A week later the list is quiet again.
    t.clock.advance(8 * 24 * HOUR);
    expect((await t.http.get('/api/v1/caseload').set(awa.auth)).body.expired).toEqual([]);
  });

  it('a request closed while the purge expires it stays closed, and is neither audited nor announced as expired', async () => {
    const intake = await makeIntake(t);
    await api(`/api/v1/intakes/${intake.id}/claim`);
    t.clock.advance(72 * HOUR);
    const prisma = t.server.prisma;
    // The caseworker closes it between the purge's read and its update.
    const intakes = new Proxy(prisma.intake, {
      get(delegate, name) {
        if (name === 'findMany') {
          return async (args: Parameters<typeof prisma.intake.findMany>[0]) => {
            const found = await delegate.findMany(args);
            if (found.some((f) => (f as { id: string }).id === intake.id)) {
              await delegate.update({ where: { id: intake.id }, data: { status: 'closed', closeReason: 'resolved', endedAt: t.clock.now() } });
            }
            return found;
          };
        }
        const value = Reflect.get(delegate, name);
        return typeof value === 'function' ? value.bind(delegate) : value;
      },
    });
    const racing = new Proxy(prisma, {
      get(client, name) {
        if (name === 'intake') return intakes;
        const value = Reflect.get(client, name);
        return typeof value === 'function' ? value.bind(client) : value;
      },
    });
    const { expireIntakes } = await import('../../src/caseLink/expireIntakes');
    const result = await expireIntakes({ prisma: racing, clock: t.clock.now });
    expect(result).toMatchObject({ expired: 0, expiredClaims: [] });
    expect((await prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('closed');
    expect(await prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'intake.expired' } })).toBe(0);
  });

  it('a request handed off before the time was up has nothing left to expire', async () => {
    const intake = await makeIntake(t);
    await api(`/api/v1/intakes/${intake.id}/claim`);
    await api(`/api/v1/intakes/${intake.id}/outcome`, { outcome: 'reached' });
    await api(`/api/v1/intakes/${intake.id}/handoff`, { consent: { services: true, shareWithOrganisations: false, shareNumber: false } });
    t.clock.advance(73 * HOUR);
    expect(await t.server.purge()).toMatchObject({ expired: 0 });
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('handed_off');
  });
});

describe('the staff group hears of expired claims', () => {
  it('by label only', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const t = await createTestServer(
      { TELEGRAM_STAFF_TOKEN: '999000111:TEST', STAFF_TELEGRAM_GROUP_ID: '-100200', TELEGRAM_WEBHOOK_SECRET: 's', MAX_OPEN_REQUESTS: '50' },
      {
        desk: {
          staffBot: {
            botInfo: { id: 999000111, is_bot: true, first_name: 'Bureau', username: 'b' } as never,
            configureApi: (api) =>
              api.config.use(async (_prev, method, payload) => {
                if (method === 'sendMessage') sent.push(payload as Record<string, unknown>);
                return { ok: true, result: { message_id: 1, date: 0, chat: { id: -100200, type: 'supergroup', title: 'x' } } } as never;
              }),
          },
        },
      },
    );
    try {
      const staff = await makeStaff(t);
      const intake = await makeIntake(t);
      await t.http.post(`/api/v1/intakes/${intake.id}/claim`).set(staff.auth).send({});
      sent.length = 0;
      t.clock.advance(73 * HOUR);
      await t.server.purge();
      await new Promise((r) => setImmediate(r));
      expect(sent).toEqual([{ chat_id: '-100200', text: expect.stringMatching(new RegExp(`^Délai dépassé pour ${intake.label} : 72 h après la demande, le numéro a été effacé`)) }]);
      expect(JSON.stringify(sent)).not.toContain(intake.contact.slice(4));
    } finally {
      await t.close();
    }
  });
});
