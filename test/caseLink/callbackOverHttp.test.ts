import { Keyring, parseDataKeys } from '../../src/crypto/keyring';
import { createTestServer, TEST_ENV, unsealNumber, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const keyring = new Keyring(parseDataKeys(TEST_ENV.DATA_KEYS), Buffer.from(TEST_ENV.HASH_KEY, 'base64'));

/** fr, callback, consent, safe: yes, the topic (7: prefer not to say), who it is for … then the given answers, then confirm. */
async function request(phone: UssdSession, subject: string, rest = ['1', '1', '1', '1'], topic = '7') {
  await phone.dial();
  for (const answer of ['1', '2', '1', '1', topic, subject, ...rest]) await phone.send(answer);
  return phone.send('1');
}

describe('a callback request over USSD', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates exactly one intake, with the number sealed, even when the last hop is retried', async () => {
    const phone = new UssdSession(t.server.app, '+221771234567');
    const done = await request(phone, '1');
    expect(done).toMatch(/^END Demande enregistrée\.\nCode : [2-9]{4} [2-9]{4}\n/);
    expect((await phone.post(phone.form())).text).toBe(done);
    await Promise.all([phone.post(phone.form()), phone.post(phone.form())]);

    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    const [intake] = intakes;
    expect(intake).toMatchObject({ status: 'pending', queue: 'gbv', channel: 'ussd', subject: 'self', language: 'fr', callerGender: 'female', timeWindow: 'morning', cover: 'health_centre' });
    // The code shown is the person's: only its keyed hash is stored, and staff see a label of letters.
    const code = /Code : ([2-9]{4}) ([2-9]{4})/.exec(done)!.slice(1).join('');
    expect(intake.referenceHash).toBe(keyring.hash(`reference\u0000${code}`));
    expect(JSON.stringify(intake)).not.toContain(code);
    expect(intake.label).toMatch(/^[B-Z]{3}-[B-Z]{3}$/);
    // Sealed exactly as the safety rules say: AES-256-GCM under the current key, intake id as associated data.
    const sealed = await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intake.id } });
    expect(sealed.contactKeyId).toBe('t1');
    expect(Buffer.from(sealed.contactNonce, 'base64')).toHaveLength(12);
    expect(sealed.sealedContact).not.toContain('771234567');
    expect(await unsealNumber(t, intake.id)).toBe('+221771234567');
    await expect(unsealNumber(t, intake.id, 'another-intake-id')).rejects.toThrow();
    // The sealed number and its lookup hashes live beside it while it is open.
    expect(await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intake.id } })).toEqual({
      intakeId: intake.id,
      sealedContact: sealed.sealedContact,
      contactNonce: sealed.contactNonce,
      contactKeyId: 't1',
      contactHash: keyring.hash('+221771234567'),
      requesterHash: keyring.hash('+221771234567'),
    });
    expect(intake.expiresAt.getTime() - intake.createdAt.getTime()).toBe(72 * 3_600_000);
    const audit = await t.server.prisma.auditEvent.findMany({ where: { intakeId: intake.id } });
    expect(audit.map((a) => a.action)).toEqual(['intake.created']);
    // Nothing in memory outlives the session with the code: the words cache never saw it.
    const cached = [...(t.server.localizer as unknown as { cache: Map<string, string> }).cache].flat().join('\n');
    expect(cached.length).toBeGreaterThan(0);
    expect(cached).not.toContain(code.slice(4));
  });

  it('sends a request about a child to the child-protection queue', async () => {
    await request(new UssdSession(t.server.app, '+221771234568'), '3');
    expect(await t.server.prisma.intake.findFirstOrThrow()).toMatchObject({ subject: 'child', queue: 'child_protection' });
  });

  it('seals the safer number typed on the keypad, not the number that dialled', async () => {
    const phone = new UssdSession(t.server.app, '+221771234569');
    await phone.dial();
    for (const answer of ['1', '2', '1', '2', '76 555 12 34', '7', '4', '2', '2', '3', '3']) await phone.send(answer);
    expect(await phone.send('1')).toMatch(/^END /);
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    expect(await unsealNumber(t, intake.id)).toBe('+221765551234');
    expect(intake).toMatchObject({ subject: 'other', language: 'en', callerGender: 'male', timeWindow: 'evening', cover: 'customer_service', queue: 'gbv' });
    expect(await t.server.prisma.openContact.findUniqueOrThrow({ where: { intakeId: intake.id } })).toMatchObject({
      requesterHash: keyring.hash('+221771234569'),
      contactHash: keyring.hash('+221765551234'),
    });
  });

  it('expires an unclaimed intake and destroys its sealed number', async () => {
    await request(new UssdSession(t.server.app, '+221771234570'), '1');
    t.clock.advance(71 * 3_600_000);
    expect(await t.server.purge()).toEqual({ expired: 0, contactsDestroyed: 0 });
    t.clock.advance(2 * 3_600_000);
    expect(await t.server.purge()).toEqual({ expired: 1, contactsDestroyed: 1 });
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    expect(intake).toMatchObject({ status: 'expired', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count()).toBe(0);
    expect(intake.contactDestroyedAt).toEqual(t.clock.now());
  });

  it('cancels with the reference code and destroys the number at once', async () => {
    const done = await request(new UssdSession(t.server.app, '+221771234571'), '1');
    const code = /Code : ([2-9]{4} [2-9]{4})/.exec(done)![1];
    const other = new UssdSession(t.server.app, '+221771234572');
    await other.dial();
    for (const answer of ['1', '5']) await other.send(answer);
    expect(await other.send(code)).toBe('END Demande annulée. Le numéro a été effacé.');
    expect(await t.server.prisma.intake.findFirstOrThrow()).toMatchObject({ status: 'cancelled', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count()).toBe(0);
  });

  it('refuses a third open request from the same number with a calm message', async () => {
    for (let i = 0; i < 2; i += 1) expect(await request(new UssdSession(t.server.app, '+221771234573'), '1')).toMatch(/^END Demande enregistrée/);
    expect(await request(new UssdSession(t.server.app, '+221771234573'), '1')).toMatch(/^END Désolé, la demande n'a pas été enregistrée\. .* 116\.$/);
    expect(await t.server.prisma.intake.count()).toBe(2);
  });

  it('never tells whoever holds a phone that requests are pending for a number (rule 9)', async () => {
    // Someone else's phone names the person's number as the safer number: the refusal
    // reads like any failure and says nothing of the requests already open for it.
    for (let i = 0; i < 2; i += 1) await request(new UssdSession(t.server.app, '+221771234575'), '1');
    const other = new UssdSession(t.server.app, '+221771234576');
    await other.dial();
    for (const answer of ['1', '2', '1', '2', '77 123 45 75', '7', '1', '1', '1', '1', '1']) await other.send(answer);
    const refused = await other.send('1');
    const failed = t.server.localizer.t({ key: 'callback.error', vars: { hotline: '116' } }, 'fr');
    expect(refused).toBe(`END ${failed}`);
    for (const lang of Object.keys(t.server.localizer.resources)) {
      expect(t.server.localizer.t({ key: 'callback.limit', vars: { hotline: '116' } }, lang)).toBe(t.server.localizer.t({ key: 'callback.error', vars: { hotline: '116' } }, lang));
    }
  });

  it('slows down code guessing: after five wrong codes, cancelling is refused for a while', async () => {
    const phone = new UssdSession(t.server.app, '+221771234574');
    await phone.dial();
    await phone.send('1');
    await phone.send('5');
    for (let i = 0; i < 5; i += 1) {
      expect(await phone.send('2345 6789')).toMatch(/Aucune demande en cours/);
      // A code that was tried is not kept in the conversation state.
      expect(JSON.stringify(await t.server.store.get(t.server.gateway.storeKey('ussd', phone.sessionId, phone.phoneNumber)))).not.toContain('23456789');
      await phone.send('1');
    }
    expect(await phone.send('2345 6789')).toMatch(/^END Trop d'essais/);
  });
});

describe('queues are configuration', () => {
  it('routes with QUEUE_ROUTES', async () => {
    const t = await createTestServer({ QUEUE_ROUTES: 'child=enfance_dakar,default=vbg_dakar' });
    try {
      await request(new UssdSession(t.server.app, '+221771234580'), '3');
      await request(new UssdSession(t.server.app, '+221771234581'), '4');
      const queues = (await t.server.prisma.intake.findMany({ orderBy: { subject: 'asc' } })).map((i) => [i.subject, i.queue]);
      expect(queues).toEqual([
        ['child', 'enfance_dakar'],
        ['other', 'vbg_dakar'],
      ]);
    } finally {
      await t.close();
    }
  });
});
