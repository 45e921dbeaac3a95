import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { FakeAfricasTalking } from '../support/fakeAfricasTalking';
import { FakeTelegram, TelegramChat } from '../support/fakeTelegram';
import { AtPhone, textChannelsEnv, TwilioPhone } from '../support/smsPhones';
import { createTestServer, TEST_ENV, unsealNumber, type TestServer } from '../support/testServer';

const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));

/** Any first message, French, callback, next, consent, safe: yes, for me, call in French, a woman, morning, health centre. */
const SMS_ANSWERS = ['Bonjour', '1', '2', '1', '1', '1', '1', '1', '1', '1', '1'];

describe('a callback request end to end', () => {
  let t: TestServer;
  let at: FakeAfricasTalking;
  let telegram: FakeTelegram;
  beforeAll(async () => {
    at = await new FakeAfricasTalking().start();
    telegram = await new FakeTelegram().start();
  });
  afterAll(async () => {
    await at.stop();
    await telegram.stop();
  });
  beforeEach(async () => {
    t = await createTestServer(textChannelsEnv(at, telegram));
  });
  afterEach(async () => {
    await t.close();
  });

  it('over Twilio SMS: exactly one intake, the sender number sealed, a retried last message changes nothing', async () => {
    const phone = new TwilioPhone(t.server.app, '+221770000051');
    for (const text of SMS_ANSWERS) await phone.send(text);
    const confirm = phone.form('1');
    const done = await phone.post(confirm);
    expect(done.text).toMatch(/Demande enregistrée\.\nCode : [2-9]{4} [2-9]{4}\n/);
    expect((await phone.post(confirm)).text).toBe(done.text);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'sms_twilio', subject: 'self', language: 'fr', callerGender: 'female', timeWindow: 'morning', cover: 'health_centre' });
    expect(await unsealNumber(t, intakes[0].id)).toBe('+221770000051');
    expect((await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intakes[0].id } })).requesterHash).toBe(keyring.hash('+221770000051'));
    // The session ended: a new message starts afresh, and a second request is a new intake.
    expect(await phone.send('1')).toMatch(/^Bienvenue/);
    for (const text of SMS_ANSWERS.slice(1)) await phone.send(text);
    expect(await phone.send('1')).toMatch(/Demande enregistrée/);
    expect(await t.server.prisma.intake.count()).toBe(2);
  });

  it('over Africa’s Talking SMS: exactly one intake, the reply with the code sent through the API', async () => {
    const phone = new AtPhone(t.server.app, at, '+221770000052');
    for (const text of SMS_ANSWERS) await phone.send(text);
    const done = await phone.send('1', 'ATXid_final_hop');
    expect(done).toMatch(/Demande enregistrée\.\nCode : [2-9]{4} [2-9]{4}\n/);
    const before = at.requests.length;
    await phone.post(phone.form('1', 'ATXid_final_hop'));
    expect(at.requests.length).toBe(before);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'sms_africastalking' });
    expect(await unsealNumber(t, intakes[0].id)).toBe('+221770000052');
    expect(await t.server.channels.outbox.pending()).toBe(0);
  });

  it('over Telegram: the number shared with the contact button is sealed; exactly one intake', async () => {
    const chat = new TelegramChat(t.server.app, telegram, 5550300001);
    await chat.say('/start');
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    await chat.shareContact('221770000053');
    for (const label of ['Ne pas dire', 'Pour moi (18', 'Français', 'Une femme', 'Le matin', 'Le centre de santé']) await chat.press(label);
    const done = await chat.press('Confirmer');
    expect(done.text).toMatch(/Demande enregistrée\.\nCode : [2-9]{4} [2-9]{4}\n/);
    // The last message still offers the quick exit.
    expect(done.reply_markup!.inline_keyboard!.flat().map((b) => b.callback_data)).toEqual(['x']);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'telegram', subject: 'self' });
    expect(await unsealNumber(t, intakes[0].id)).toBe('+221770000053');
    expect((await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intakes[0].id } })).requesterHash).not.toContain('5550300001');
  });

  it('over Telegram: a typed number works as well, and "No, other contacts" leads to the helpline', async () => {
    const chat = new TelegramChat(t.server.app, telegram, 5550300002);
    await chat.say('/start');
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) await chat.press(label);
    expect((await chat.say('12')).text).toMatch(/^Numéro non reconnu/);
    await chat.say('77 000 00 54');
    for (const label of ['Protection enfant', 'Pour un enfant', 'English', 'Un homme', 'Le soir', 'Une amie', 'Confirmer']) await chat.press(label);
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    expect(intake).toMatchObject({ channel: 'telegram', subject: 'child', queue: 'child_protection', language: 'en' });
    expect(await unsealNumber(t, intake.id)).toBe('+221770000054');

    const other = new TelegramChat(t.server.app, telegram, 5550300003);
    await other.say('/start');
    for (const label of ['Français', 'Demander un rappel', 'Oui']) await other.press(label);
    expect((await other.press("Non : ligne d'écoute")).text).toMatch(/^Appelez la ligne d'écoute gratuite/);
    expect(await t.server.prisma.intake.count()).toBe(1);
  });
});
