import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

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
    expect(await phone.dial()).toMatch(/^CON /);
    // fr, callback, next, consent yes, safe yes, for me, call in fr, woman, morning, health centre
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const done = await phone.send('1');
    expect(done).toMatch(/^END Demande enregistrée\. Code : [2-9]{4} [2-9]{4}\./);

    const retry = await phone.post(phone.form());
    expect(retry.text).toBe(done);

    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    const [intake] = intakes;
    expect(intake).toMatchObject({ status: 'pending', queue: 'gbv', channel: 'ussd', subject: 'self', language: 'fr', callerGender: 'female', timeWindow: 'morning', cover: 'health_centre' });
    expect(intake.sealedContact).toBeTruthy();
    expect(intake.sealedContact).not.toContain('771234567');
    expect(done).toContain(`${intake.reference.slice(0, 4)} ${intake.reference.slice(4)}`);
  });
});
