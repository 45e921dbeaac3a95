import request from 'supertest';
import type { Update, UserFromGetMe } from 'grammy/types';
import { createLinkCode } from '../../src/desk/staffAccounts';
import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';
import { makeStaff } from './deskFixtures';

/**
 * Safety rules 2 and 4 on the staff side: numbers revealed through the API, the
 * console and the staff bot are gone from the database files once their intakes
 * are closed or handed off, and never reached the logs; nor did tokens or passwords.
 */
const CANARIES = ['+221779991101', '+221779991102', '+221779991103'];
const PASSWORD = 'CANARYxPASSWORDx77';
const TELEGRAM_USER = 770077007;
const forms = (e164: string) => [e164, e164.slice(1), e164.slice(4), `${e164.slice(4, 6)} ${e164.slice(6, 9)} ${e164.slice(9, 11)} ${e164.slice(11)}`];

describe('desk privacy canaries', () => {
  let t: TestServer;
  const sent: string[] = [];
  beforeAll(async () => {
    t = await createTestServer(
      { LOG_LEVEL: 'trace', TELEGRAM_STAFF_TOKEN: '999000222:TEST', STAFF_TELEGRAM_GROUP_ID: '-100777', TELEGRAM_WEBHOOK_SECRET: 'privacy-secret' },
      {
        desk: {
          staffBot: {
            botInfo: { id: 999000222, is_bot: true, first_name: 'Bureau', username: 'bureau_bot' } as UserFromGetMe,
            configureApi: (api) =>
              api.config.use(async (_prev, method, payload) => {
                sent.push(JSON.stringify(payload));
                const p = payload as { chat_id?: number };
                return { ok: true, result: method === 'sendMessage' ? { message_id: sent.length, date: 1, chat: { id: p.chat_id, type: 'private' }, text: '' } : true } as never;
              }),
          },
        },
      },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  async function requestCallback(phone: string) {
    const session = new UssdSession(t.server.app, phone);
    await session.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await session.send(answer);
    await session.send('1');
    return t.server.prisma.intake.findFirstOrThrow({ where: { status: 'pending' }, orderBy: { createdAt: 'desc' } });
  }

  it('leaves no revealed number in the database files after closing, nor in any log', async () => {
    const staff = await makeStaff(t, { name: 'Canari', password: PASSWORD });
    const api = (path: string, body?: object) =>
      t.http
        .post(path)
        .set(staff.auth)
        .send(body ?? {});

    // 1. API: claim, reveal, reached, close.
    const a = await requestCallback(CANARIES[0]);
    await api(`/api/v1/intakes/${a.id}/claim`);
    expect((await api(`/api/v1/intakes/${a.id}/reveal`)).body.contact).toBe(CANARIES[0]);
    await api(`/api/v1/intakes/${a.id}/outcome`, { outcome: 'reached' });
    await api(`/api/v1/intakes/${a.id}/close`, { reason: 'resolved' });

    // 2. Console: claim, reveal, reached, hand off.
    const b = await requestCallback(CANARIES[1]);
    const agent = request.agent(t.server.app);
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const login = await agent.get('/console/login');
    await agent
      .post('/console/login')
      .type('form')
      .send({ name: 'Canari', password: PASSWORD, _csrf: csrfOf(login.text) });
    const csrf = csrfOf((await agent.get(`/console/intakes/${b.id}`)).text);
    await agent.post(`/console/intakes/${b.id}/claim`).type('form').send({ _csrf: csrf });
    expect((await agent.post(`/console/intakes/${b.id}/reveal`).type('form').send({ _csrf: csrf })).text).toContain(CANARIES[1]);
    await agent.post(`/console/intakes/${b.id}/outcome`).type('form').send({ _csrf: csrf, outcome: 'reached' });
    await agent.post(`/console/intakes/${b.id}/handoff`).type('form').send({ _csrf: csrf, services: '1', shareWithOrganisations: '1', shareNumber: '1' });

    // 3. Staff bot: link, claim (number sent privately), reached, close.
    const c = await requestCallback(CANARIES[2]);
    const bot = t.server.desk.staffBot!.bot;
    const { code } = await createLinkCode(t.server.desk.context, staff.id);
    const from = { id: TELEGRAM_USER, is_bot: false, first_name: 'Canari' };
    await bot.handleUpdate({
      update_id: 1,
      message: { message_id: 1, date: 1, chat: { id: TELEGRAM_USER, type: 'private', first_name: 'Canari' }, from, text: `/link ${code}`, entities: [{ type: 'bot_command', offset: 0, length: 5 }] },
    } as Update);
    const press = (data: string, n: number) =>
      bot.handleUpdate({
        update_id: n,
        callback_query: { id: `q${n}`, from, chat_instance: 'x', data, message: { message_id: 9, date: 1, chat: { id: TELEGRAM_USER, type: 'private', first_name: 'C' }, text: '' } },
      } as Update);
    await press(`c:${c.id}`, 2);
    expect(sent.join('')).toContain(CANARIES[2]);
    await press(`o:${c.id}:reached`, 3);
    await press(`x:${c.id}`, 4);
    await press(`X:${c.id}`, 5);
    // The private message that showed the number is deleted when due (its pending deletion is sealed meanwhile).
    t.clock.advance(t.config.REVEAL_MESSAGE_TTL_SECONDS * 1000);
    expect(await t.server.desk.sweepDeletions()).toBe(1);

    await t.server.purge();
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes.map((i) => i.status).sort()).toEqual(['closed', 'closed', 'handed_off']);
    expect(intakes.every((i) => i.contactDestroyedAt !== null)).toBe(true);
    expect(await t.server.prisma.openContact.count()).toBe(0);
    expect(await t.server.prisma.auditEvent.count({ where: { action: 'contact.revealed' } })).toBe(3);

    const db = await t.storedBytes();
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    const needles = [...CANARIES.flatMap(forms), PASSWORD, staff.token, String(TELEGRAM_USER), code];
    for (const needle of needles) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
      expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    }
  });
});
