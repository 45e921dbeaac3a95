import request from 'supertest';
import { createTestServer, databaseBytes, type TestServer } from './support/testServer';
import { UssdSession } from './support/ussdSession';

/**
 * Safety rule 2, tested like behaviour: canary numbers and canary text go through
 * the USSD channel (good requests, bad requests, wrong answers, a safer number typed
 * on the keypad, a cancellation) and must appear nowhere in the database files or
 * in the logs.
 */
const CANARY_PHONE = '+221779990001';
const CANARY_SAFER = '+221779990002';
const CANARY_TEXT = 'CANARYxTEXTx5f3a';

/** The forms a number can take in text. */
const forms = (e164: string) => [e164, e164.slice(1), e164.slice(4), `${e164.slice(4, 6)} ${e164.slice(6, 9)} ${e164.slice(9, 11)} ${e164.slice(11)}`];

describe('privacy canaries', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leave no trace in the database or the logs', async () => {
    const app = t.server.app;
    // 1. A callback request with a safer number, wrong answers with canary text on the way.
    const phone = new UssdSession(app, CANARY_PHONE);
    await phone.dial();
    for (const answer of ['1', CANARY_TEXT, '2', '1', '1', '2', CANARY_TEXT, '77 999 00 02', '2', '1', '3', '2', '2']) await phone.send(answer);
    const done = await phone.send('1');
    expect(done).toMatch(/^END Demande enregistrée/);
    // A retried final hop.
    await phone.post(phone.form());

    // 2. A second session from the same number: cancel with a canary text, then the right code.
    const intake = await t.server.prisma.intake.findFirstOrThrow();
    const cancel = new UssdSession(app, CANARY_PHONE);
    await cancel.dial();
    for (const answer of ['1', '5', CANARY_TEXT, intake.reference]) await cancel.send(answer);

    // 3. Bad requests carrying the canaries.
    await request(app).post('/webhooks/africastalking/ussd').type('form').send({ sessionId: 'x', phoneNumber: CANARY_TEXT, text: CANARY_PHONE });
    await request(app).post('/webhooks/africastalking/ussd').type('form').send({ sessionId: 'y', serviceCode: '*1#', phoneNumber: CANARY_PHONE, text: `1*${CANARY_TEXT}`.repeat(300) });
    await request(app).post(`/webhooks/africastalking/ussd?secret=${CANARY_TEXT}&phone=${CANARY_PHONE}`).type('form').send({ sessionId: 'z', serviceCode: '*1#', phoneNumber: CANARY_PHONE });

    // 4. An unknown session resumed with the canary in its path.
    await request(app).post('/webhooks/africastalking/ussd').type('form').send({ sessionId: 'resumed', serviceCode: '*1#', phoneNumber: CANARY_PHONE, text: `1*${CANARY_TEXT}` });

    await t.server.purge();
    expect(await t.server.prisma.intake.count()).toBe(1);

    const db = databaseBytes(t.dbFile);
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(1000); // trace level: the logs were really captured
    for (const needle of [...forms(CANARY_PHONE), ...forms(CANARY_SAFER), CANARY_TEXT]) {
      expect({ needle, inDatabase: db.includes(needle) }).toEqual({ needle, inDatabase: false });
      expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });
    }
  });

  it('keeps no raw input in the session store, and seals the safer number', async () => {
    const phone = new UssdSession(t.server.app, '+221779990003');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '2', '77 999 00 04']) await phone.send(answer);
    const session = await t.server.store.get(`ussd:${phone.sessionId}`);
    const json = JSON.stringify(session);
    expect(json).toContain('"altNumber":"held"');
    for (const needle of [...forms('+221779990004'), ...forms('+221779990003'), '1*2*1*1*2']) expect(json).not.toContain(needle);
    expect(session?.secrets?.altNumber.ciphertext).toBeTruthy();
  });
});
