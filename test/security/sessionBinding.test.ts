import { codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Issue: a USSD session was keyed on `sessionId` alone. A second phone sending a live
 * sessionId saw the first person's screens, finished the request and got its code; and
 * replaying a whole path after the session's tombstone showed the old code again. Now
 * every record of a conversation is bound to a keyed hash of its address, and once a
 * tombstone is gone nothing of that session is ever shown again.
 */
describe('a USSD session belongs to its phone', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });

  it("another phone sending a live sessionId shares nothing with the first person's session", async () => {
    const person = new UssdSession(t.server.app, '+221770000701');
    await person.dial();
    // fr, callback, consent, safe number, for me, medical care, fr, a woman, the evening, "a friend": the confirm screen.
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '3']) await person.send(answer);
    expect(await person.send('2')).toMatch(/^CON Rappel le soir/);

    const intruder = new UssdSession(t.server.app, '+221770000799', person.sessionId);
    // The old gateway read "1" as the next answer of the person's session: confirm, and the code.
    const seen = [await intruder.send('1')];
    seen.push(await intruder.send('1'));
    for (const screen of seen) {
      expect(screen).not.toMatch(/le soir|Une amie|une femme|Demande enregistrée/);
    }
    expect(seen[0]).toMatch(/^CON La session a été coupée/);
    expect(await t.server.prisma.intake.count()).toBe(0);

    // The person's own session is untouched and goes on.
    const done = await person.send('1');
    expect(done).toMatch(/^END Demande enregistrée/);
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    expect(intake).toMatchObject({ timeWindow: 'evening', cover: 'friend' });
    // Neither a retry from the other phone, nor its replay of the whole path, gets the code or creates anything.
    const replay = new UssdSession(t.server.app, '+221770000798', person.sessionId);
    const replayed = await replay.post({ ...person.form(), phoneNumber: replay.phoneNumber });
    expect(replayed.text).toMatch(/^CON La session a été coupée/);
    const resumed = await replay.post({ ...person.form(`${person.answers.join('*')}*1`), phoneNumber: replay.phoneNumber });
    // Replayed for the other phone, the path is that phone's own request: a new code, never the person's.
    expect(resumed.text).not.toContain(codeShownIn(done).slice(0, 4));
    expect(await t.server.prisma.intake.count()).toBe(2);
    expect((await t.server.prisma.intake.findMany()).map((i) => i.sessionHash)[0]).not.toBe((await t.server.prisma.intake.findMany())[1].sessionHash);
  });

  it('after the tombstone is gone, replaying a finished session shows neither its code nor its choices', async () => {
    const person = new UssdSession(t.server.app, '+221770000702');
    await person.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '2', '3', '2']) await person.send(answer);
    const done = await person.send('1');
    const code = codeShownIn(done);
    // Within the tombstone's minute, a retried final hop gets the same last screen (the provider's retry).
    expect((await person.post(person.form())).text).toBe(done);

    t.clock.advance(2 * 60_000);
    const offer = (await person.post(person.form())).text;
    expect(offer).toMatch(/^CON La session a été coupée/);
    const resumed = (await person.post(person.form(`${person.answers.join('*')}*1`))).text;
    expect(resumed).toBe('END Merci. Au revoir.');
    for (const shown of [offer, resumed]) {
      expect(shown).not.toContain(code.slice(0, 4));
      expect(shown).not.toMatch(/le soir|Une amie|un homme/);
    }
    expect(await t.server.prisma.intake.count()).toBe(1);
  });

  it('binds the intake, the state and the tombstone to the address', async () => {
    const person = new UssdSession(t.server.app, '+221770000703');
    await person.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await person.send(answer);
    await person.send('1');
    const key = t.server.gateway.storeKey('ussd', person.sessionId, person.phoneNumber);
    expect(key).toMatch(new RegExp(`^ussd:${person.sessionId}:[0-9a-f]{24}$`));
    expect(await t.server.store.get(key)).toMatchObject({ status: 'ended' });
    expect(await t.server.store.get(t.server.gateway.storeKey('ussd', person.sessionId, '+221770000704'))).toBeUndefined();
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    const { Keyring, parseDataKeys } = await import('../../src/crypto/keyring');
    const keyring = new Keyring(parseDataKeys(t.config.DATA_KEYS!), Buffer.from(t.config.HASH_KEY!, 'base64'));
    expect(intake.sessionHash).toBe(keyring.hash(key));
    expect(intake.sessionHash).not.toBe(keyring.hash(`ussd:${person.sessionId}`));
  });
});
