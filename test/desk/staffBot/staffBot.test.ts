import type { Update, UserFromGetMe } from 'grammy/types';
import { createLinkCode, LINK_ATTEMPTS } from '../../../src/desk/staffAccounts';
import { codeShownIn, createTestServer, type TestServer } from '../../support/testServer';
import { UssdSession } from '../../support/ussdSession';
import { makeIntake, makeStaff } from '../deskFixtures';

const GROUP = -1001234567890;
const LINKED = 424242001;
const STRANGER = 424242999;
const SECRET = 'staff-webhook-secret';
const BOT: UserFromGetMe = {
  id: 999000111,
  is_bot: true,
  first_name: 'Bureau',
  username: 'bureau_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

interface Call {
  method: string;
  payload: Record<string, unknown>;
}

/** A fake Bot API: records every call and answers as Telegram would. */
function fakeTelegram() {
  const calls: Call[] = [];
  let nextMessageId = 100;
  const result = (method: string, payload: Record<string, unknown>): unknown => {
    switch (method) {
      case 'sendMessage':
        nextMessageId += 1;
        return {
          message_id: nextMessageId,
          date: 1_700_000_000,
          chat: Number(payload.chat_id) < 0 ? { id: Number(payload.chat_id), type: 'supergroup', title: 'Bureau' } : { id: Number(payload.chat_id), type: 'private', first_name: 'Agent' },
          from: BOT,
          text: payload.text,
        };
      case 'editMessageText':
      case 'editMessageReplyMarkup':
        return { message_id: Number(payload.message_id ?? 1), date: 1_700_000_000, chat: { id: Number(payload.chat_id), type: 'private', first_name: 'Agent' }, text: payload.text ?? '' };
      default:
        return true;
    }
  };
  return {
    calls,
    install: (api: import('grammy').Api) => {
      api.config.use(async (_prev, method, payload) => {
        calls.push({ method, payload: payload as Record<string, unknown> });
        return { ok: true, result: result(method, payload as Record<string, unknown>) } as never;
      });
    },
    take() {
      return calls.splice(0, calls.length);
    },
    /** The message_id of the last message sent. */
    lastSentId: () => nextMessageId,
  };
}

let updateId = 1;
const user = (id: number) => ({ id, is_bot: false, first_name: 'Agent' });
function command(from: number, text: string): Update {
  const cmd = text.split(' ')[0];
  return {
    update_id: updateId++,
    message: {
      message_id: updateId,
      date: 1_700_000_000,
      chat: { id: from, type: 'private', first_name: 'Agent' },
      from: user(from),
      text,
      entities: [{ type: 'bot_command', offset: 0, length: cmd.length }],
    },
  } as Update;
}
function press(from: number, data: string, chat = GROUP, messageId = 55): Update {
  return {
    update_id: updateId++,
    callback_query: {
      id: `cb${updateId}`,
      from: user(from),
      chat_instance: 'ci',
      data,
      message: {
        message_id: messageId,
        date: 1_700_000_000,
        chat: chat < 0 ? { id: chat, type: 'supergroup', title: 'Bureau' } : { id: chat, type: 'private', first_name: 'Agent' },
        from: BOT,
        text: '…',
      },
    },
  } as Update;
}

describe('staff Telegram bot', () => {
  let t: TestServer;
  const telegram = fakeTelegram();
  let staffId: string;
  let staffAuth: Record<string, string>;
  beforeAll(async () => {
    t = await createTestServer(
      {
        TELEGRAM_STAFF_TOKEN: '999000111:TEST',
        STAFF_TELEGRAM_GROUP_ID: String(GROUP),
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        CASELOAD_LIMIT: '1',
        CASELOAD_WARNING: '1',
        REVEAL_RATE_LIMIT: '3',
        REVEAL_MESSAGE_TTL_SECONDS: '300',
        MAX_OPEN_REQUESTS: '20',
      },
      { desk: { staffBot: { botInfo: BOT, configureApi: telegram.install } } },
    );
    const awa = await makeStaff(t, { name: 'Hotline Awa' });
    staffId = awa.id;
    staffAuth = awa.auth;
  });
  afterAll(async () => {
    await t.close();
  });
  const bot = () => t.server.desk.staffBot!.bot;

  it('links a Telegram account with a one-time code, storing only a keyed hash of its id', async () => {
    const { code } = await createLinkCode(t.server.desk.context, staffId);
    await bot().handleUpdate(command(LINKED, '/link 00000000'));
    expect(telegram.take()).toEqual([{ method: 'sendMessage', payload: expect.objectContaining({ chat_id: LINKED, text: expect.stringMatching(/Code inconnu/) }) }]);
    await bot().handleUpdate(command(LINKED, `/link ${code}`));
    expect(telegram.take()).toEqual([{ method: 'sendMessage', payload: expect.objectContaining({ chat_id: LINKED, text: expect.stringMatching(/Compte lié/) }) }]);
    const row = await t.server.prisma.staff.findUniqueOrThrow({ where: { id: staffId } });
    expect(row.telegramIdHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.linkCodeHash).toBeNull();
    expect(JSON.stringify(row)).not.toContain(String(LINKED));
    // The code is used up.
    await bot().handleUpdate(command(STRANGER, `/link ${code}`));
    expect(telegram.take()[0].payload.text).toMatch(/Code inconnu/);
  });

  it('burns a link code sent to the group by mistake', async () => {
    const other = await makeStaff(t, { name: 'Hotline Binta' });
    const { code } = await createLinkCode(t.server.desk.context, other.id);
    const inGroup = command(STRANGER, `/link ${code}`);
    (inGroup.message as { chat: unknown }).chat = { id: GROUP, type: 'supergroup', title: 'Bureau' };
    await bot().handleUpdate(inGroup);
    expect(telegram.take()[0].payload).toMatchObject({ chat_id: GROUP, text: expect.stringMatching(/Code annulé/) });
    expect((await t.server.prisma.staff.findUniqueOrThrow({ where: { id: other.id } })).linkCodeHash).toBeNull();
  });

  it('announces a new USSD intake in the staff group without contact details, with a Claim button', async () => {
    const phone = new UssdSession(t.server.app, '+221778880001');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const code = codeShownIn(await phone.send('1'));
    const intake = await t.server.prisma.intake.findFirstOrThrow({ where: { channel: 'ussd' } });
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50 && telegram.calls.length === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
    const [announce] = telegram.take();
    expect(announce.method).toBe('sendMessage');
    expect(announce.payload.chat_id).toBe(String(GROUP));
    // Staff see the label; the person's code (which cancels) never reaches the desk.
    expect(announce.payload.text).toContain(intake.label);
    expect(announce.payload.text).not.toContain(code.slice(0, 4));
    expect(announce.payload.text).not.toContain(code.slice(4));
    expect(announce.payload.text).toContain('VBG');
    expect(JSON.stringify(announce.payload)).not.toMatch(/778880001|health_centre|centre de santé/);
    expect(announce.payload.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Prendre en charge', callback_data: `c:${intake.id}` }]] });
  });

  it('refuses a user who is not linked staff and logs it without identifiers', async () => {
    const intake = await makeIntake(t);
    await bot().handleUpdate(press(STRANGER, `c:${intake.id}`));
    expect(telegram.take()).toEqual([{ method: 'answerCallbackQuery', payload: expect.objectContaining({ text: expect.stringMatching(/Réservé/), show_alert: true }) }]);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('pending');
    const logs = t.logs.join('');
    expect(logs).toContain('refused a user who is not linked active staff');
    expect(logs).not.toContain(String(STRANGER));
    // A deactivated staff member is refused too.
    await t.server.prisma.staff.update({ where: { id: staffId }, data: { active: false } });
    await bot().handleUpdate(press(LINKED, `c:${intake.id}`));
    expect(telegram.take()[0].payload.text).toMatch(/Réservé/);
    await t.server.prisma.staff.update({ where: { id: staffId }, data: { active: true } });
  });

  it('claims with the button, sends the number privately to the claimer only, deletes it later; outcome buttons work; the caseload limit applies', async () => {
    const intake = await t.server.prisma.intake.findFirstOrThrow({ where: { channel: 'ussd' } });
    await bot().handleUpdate(press(LINKED, `c:${intake.id}`));
    const calls = telegram.take();
    expect(calls.map((c) => c.method)).toEqual(['sendMessage', 'sendMessage', 'answerCallbackQuery', 'editMessageReplyMarkup']);
    expect(calls[3].payload).toMatchObject({ chat_id: GROUP, message_id: 55 });
    for (const call of calls.slice(1)) expect(JSON.stringify(call.payload)).not.toContain('778880001');
    const [reveal, outcomeButtons] = calls;
    const revealMessageId = telegram.lastSentId() - 1;
    const buttonsMessageId = telegram.lastSentId();
    expect(reveal.payload.chat_id).toBe(LINKED);
    expect(reveal.payload.text).toContain('+221778880001');
    expect(reveal.payload.text).toContain('Le centre de santé');
    expect(reveal.payload.protect_content).toBe(true);
    expect(reveal.payload.reply_markup).toBeUndefined();
    // The outcome buttons are in a message of their own, which outlives the number's.
    expect(outcomeButtons.payload.chat_id).toBe(LINKED);
    expect(outcomeButtons.payload.text).toContain(intake.label);
    const buttons = (outcomeButtons.payload.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard.flat().map((b) => b.callback_data);
    expect(buttons).toEqual(['reached', 'no_answer', 'unsafe', 'wrong_number', 'declined'].map((o) => `o:${intake.id}:${o}`));
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', claimedById: staffId });
    const audit = await t.server.prisma.auditEvent.findFirstOrThrow({ where: { intakeId: intake.id, action: 'contact.revealed' } });
    expect(audit.detail).toBe('{"via":"telegram"}');

    // The private message is deleted after REVEAL_MESSAGE_TTL_SECONDS.
    t.clock.advance(299_000);
    expect(await t.server.desk.sweepDeletions()).toBe(0);
    t.clock.advance(1_000);
    expect(await t.server.desk.sweepDeletions()).toBe(1);
    expect(telegram.take()).toEqual([{ method: 'deleteMessage', payload: { chat_id: LINKED, message_id: revealMessageId } }]);
    expect(await t.server.desk.sweepDeletions()).toBe(0);

    // Caseload limit 1: a second claim is refused.
    const other = await makeIntake(t);
    await bot().handleUpdate(press(LINKED, `c:${other.id}`));
    expect(telegram.take()).toEqual([{ method: 'answerCallbackQuery', payload: expect.objectContaining({ text: expect.stringMatching(/Limite de dossiers/), show_alert: true }) }]);

    // Outcome (after the number is gone): no answer puts it back in the queue.
    await bot().handleUpdate(press(LINKED, `o:${intake.id}:no_answer`, LINKED, buttonsMessageId));
    const outcome = telegram.take();
    expect(outcome.map((c) => c.method)).toEqual(['answerCallbackQuery', 'editMessageText']);
    // It says what happened: attempt 1 of the maximum, back in the queue.
    expect(outcome[1].payload.text).toMatch(/Pas de réponse — Tentative 1 sur 3 enregistrée : la demande est revenue dans la file/);
    expect(outcome[1].payload.text).not.toContain('778880001');
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'pending', attempts: 1 });

    // Claim again, reached, then close from the private chat.
    await bot().handleUpdate(press(LINKED, `c:${intake.id}`));
    telegram.take();
    await bot().handleUpdate(press(LINKED, `o:${intake.id}:reached`, LINKED, 104));
    const reached = telegram.take();
    expect((reached[1].payload.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0].map((b) => b.callback_data)).toEqual([
      `x:${intake.id}`,
      `h:${intake.id}`,
    ]);
    // Closing destroys the number: the bot asks first, and "Retour" goes back to the outcome buttons.
    await bot().handleUpdate(press(LINKED, `x:${intake.id}`, LINKED, 104));
    const ask = telegram.take()[1].payload;
    expect(ask.text).toMatch(/^Clôturer la demande \? Le numéro sera effacé/);
    expect((ask.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0].map((b) => b.callback_data)).toEqual([`X:${intake.id}`, `b:${intake.id}`]);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('claimed');
    // A closing outcome asks first too.
    await bot().handleUpdate(press(LINKED, `o:${intake.id}:wrong_number`, LINKED, 104));
    expect(telegram.take()[1].payload.text).toMatch(/« Mauvais numéro » clôture la demande : le numéro sera effacé\. Confirmer \?/);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).status).toBe('claimed');
    await bot().handleUpdate(press(LINKED, `X:${intake.id}`, LINKED, 104));
    expect(telegram.take()[1].payload.text).toMatch(/clôturée/);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'closed', contactDestroyedAt: expect.any(Date) });
    expect(t.logs.join('')).not.toContain('778880001');
  });

  it('records the consent asked during the call, one button per answer, and refuses a hand-off without consent to services', async () => {
    const intake = await makeIntake(t);
    // Claimed and reached through the API: the hand-off step is the bot's.
    await t.http.post(`/api/v1/intakes/${intake.id}/claim`).set(staffAuth).send({});
    await t.http.post(`/api/v1/intakes/${intake.id}/outcome`).set(staffAuth).send({ outcome: 'reached' });
    type Markup = { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
    const buttons = (call: { payload: Record<string, unknown> }) => (call.payload.reply_markup as Markup).inline_keyboard.flat();

    await bot().handleUpdate(press(LINKED, `h:${intake.id}`, LINKED, 104));
    let shown = telegram.take()[1];
    expect(shown.payload.text).toMatch(/Transférer la demande \?/);
    expect(buttons(shown).map((b) => b.callback_data)).toEqual([`k:${intake.id}:services`, `k:${intake.id}:shareWithOrganisations`, `k:${intake.id}:shareNumber`, `H:${intake.id}`, `b:${intake.id}`]);
    expect(
      buttons(shown)
        .slice(0, 3)
        .every((b) => b.text.startsWith('⬜')),
    ).toBe(true);

    // Without consent to services: refused, said plainly, nothing handed off.
    await bot().handleUpdate(press(LINKED, `H:${intake.id}`, LINKED, 104));
    expect(telegram.take()).toEqual([{ method: 'answerCallbackQuery', payload: expect.objectContaining({ text: expect.stringMatching(/n’a pas consenti aux services/), show_alert: true }) }]);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', contactDestroyedAt: null });

    // Each answer is a button carrying the value it sets: ticked, recorded and audited. A second tap (or Telegram
    // redelivering the update) sets the same value again; the ✅ button unticks.
    await bot().handleUpdate(press(LINKED, `k:${intake.id}:services`, LINKED, 104));
    shown = telegram.take()[1];
    expect(buttons(shown)[0]).toMatchObject({ text: expect.stringMatching(/^✅/), callback_data: `K:${intake.id}:services` });
    await bot().handleUpdate(press(LINKED, `k:${intake.id}:shareNumber`, LINKED, 104));
    await bot().handleUpdate(press(LINKED, `k:${intake.id}:shareNumber`, LINKED, 104));
    shown = telegram.take().at(-1)!;
    expect(
      buttons(shown)
        .slice(0, 3)
        .map((b) => b.text.slice(0, 1)),
    ).toEqual(['✅', '⬜', '✅']);
    await bot().handleUpdate(press(LINKED, `K:${intake.id}:shareNumber`, LINKED, 104));
    shown = telegram.take().at(-1)!;
    expect(
      buttons(shown)
        .slice(0, 3)
        .map((b) => b.text.slice(0, 1)),
    ).toEqual(['✅', '⬜', '⬜']);
    expect(await t.server.prisma.auditEvent.count({ where: { intakeId: intake.id, action: 'intake.consent', actor: `staff:${staffId}` } })).toBe(4);
    // A forged answer name is ignored.
    await bot().handleUpdate(press(LINKED, `k:${intake.id}:everything`, LINKED, 104));
    expect(telegram.take()).toEqual([{ method: 'answerCallbackQuery', payload: expect.anything() }]);

    await bot().handleUpdate(press(LINKED, `H:${intake.id}`, LINKED, 104));
    expect(telegram.take()[1].payload.text).toMatch(/transférée/);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({
      status: 'handed_off',
      consentServices: true,
      consentShareOrgs: false,
      consentShareNumber: false,
    });
    const handoff = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id }, include: { contact: true } });
    expect(JSON.parse(handoff.payload).consent).toMatchObject({ services: true, shareWithOrganisations: false, shareNumber: false });
    expect(handoff.contact).toBeNull();
  });

  it('gives the intake back to the queue when the number cannot be sent to the claimer', async () => {
    const intake = await makeIntake(t);
    // The reveal limit is reached (REVEAL_RATE_LIMIT=3 here, counted from the audit log).
    const reveals = Array.from({ length: 3 }, () => ({ action: 'contact.revealed', actor: `staff:${staffId}`, at: t.clock.now() }));
    await t.server.prisma.auditEvent.createMany({ data: reveals });
    await bot().handleUpdate(press(LINKED, `c:${intake.id}`));
    expect(telegram.take()).toEqual([{ method: 'answerCallbackQuery', payload: expect.objectContaining({ text: expect.stringMatching(/Trop de numéros/), show_alert: true }) }]);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'pending', claimedById: null });
    t.clock.advance(3_600_001);
  });

  it('limits failed link attempts per Telegram user and in all, against guessing a code', async () => {
    const guesser = 424242777;
    const target = await makeStaff(t, { name: 'Hotline Coumba' });
    const { code } = await createLinkCode(t.server.desk.context, target.id);
    for (let i = 0; i < LINK_ATTEMPTS.perUser; i += 1) {
      await bot().handleUpdate(command(guesser, `/link ${String(10_000_000 + i)}`));
      expect(telegram.take()[0].payload.text).toMatch(/Code inconnu/);
    }
    // Even the right code is refused now.
    await bot().handleUpdate(command(guesser, `/link ${code}`));
    expect(telegram.take()[0].payload.text).toMatch(/Trop d’essais/);
    expect((await t.server.prisma.staff.findUniqueOrThrow({ where: { id: target.id } })).telegramIdHash).toBeNull();
    const refusals = await t.server.prisma.auditEvent.findMany({ where: { action: 'staff.link_refused' } });
    expect(JSON.stringify(refusals)).not.toContain(String(guesser));
    // Another user may still try, until the total is reached.
    await t.server.prisma.auditEvent.createMany({ data: Array.from({ length: LINK_ATTEMPTS.total }, () => ({ action: 'staff.link_refused', actor: 'system', at: t.clock.now() })) });
    await bot().handleUpdate(command(424242778, `/link ${code}`));
    expect(telegram.take()[0].payload.text).toMatch(/Trop d’essais/);
    // A quarter of an hour later, the right code works.
    t.clock.advance(15 * 60_000 + 1);
    const fresh = await createLinkCode(t.server.desk.context, target.id);
    await bot().handleUpdate(command(guesser, `/link ${fresh.code}`));
    expect(telegram.take()[0].payload.text).toMatch(/Compte lié/);
  });

  it('accepts webhook updates only with the secret token', async () => {
    const update = command(STRANGER, '/start');
    const refused = await t.http.post('/webhooks/telegram/staff').send(update);
    expect(refused.status).toBe(401);
    const wrong = await t.http.post('/webhooks/telegram/staff').set('X-Telegram-Bot-Api-Secret-Token', 'nope').send(update);
    expect(wrong.status).toBe(401);
    expect(telegram.take()).toEqual([]);
    // A malformed body: refused before parsing without the secret, a JSON 400 with it.
    const unparsed = await t.http.post('/webhooks/telegram/staff').set('Content-Type', 'application/json').send('{"update_id":');
    expect(unparsed.status).toBe(401);
    const malformed = await t.http.post('/webhooks/telegram/staff').set('X-Telegram-Bot-Api-Secret-Token', SECRET).set('Content-Type', 'application/json').send('{"update_id":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
    const ok = await t.http.post('/webhooks/telegram/staff').set('X-Telegram-Bot-Api-Secret-Token', SECRET).send(command(STRANGER, '/start'));
    expect(ok.status).toBe(200);
    expect(telegram.take().map((c) => c.method)).toEqual(['sendMessage']);
    expect(t.logs.join('')).not.toContain(SECRET);
  });
});
