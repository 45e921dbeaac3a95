import events from '../../fixtures/africastalking/ussd-events.json';
import { createTestServer, type TestServer } from '../../support/testServer';
import { UssdSession } from '../../support/ussdSession';

const PATH = '/webhooks/africastalking/ussd/events';
const { _source, ...EVENT } = events;
const CANARY_INPUT = '1*2*1*1*2*77 999 00 61';
const CANARY_SCREEN = 'CON CANARYxLASTxSCREEN';

/** Africa's Talking's end-of-session notification: 200, the session is forgotten, its input and last screen are never read. */
describe('POST /webhooks/africastalking/ussd/events', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer({ AT_WEBHOOK_SECRET: 'events-secret' });
  });
  afterEach(async () => {
    await t.close();
  });
  const post = (form: Record<string, string>, secret = 'events-secret') => t.http.post(`${PATH}?secret=${secret}`).type('form').send(form);

  it('forgets that session at once and changes nothing else', async () => {
    const phone = new UssdSession(t.server.app, '+221779990061', undefined, '?secret=events-secret');
    await phone.dial();
    for (const answer of ['1', '2', '1', '1']) await phone.send(answer);
    const key = t.server.gateway.storeKey('ussd', phone.sessionId, phone.phoneNumber);
    expect(await t.server.store.get(key)).toBeDefined();

    // Another phone's notification for this session id forgets nothing of it.
    expect((await post({ ...EVENT, sessionId: phone.sessionId, phoneNumber: '+221779990062' })).status).toBe(200);
    expect(await t.server.store.get(key)).toBeDefined();

    const res = await post({ ...EVENT, sessionId: phone.sessionId, phoneNumber: phone.phoneNumber, input: CANARY_INPUT, lastAppResponse: CANARY_SCREEN });
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(await t.server.store.get(key)).toBeUndefined();
    expect(await t.server.prisma.intake.count()).toBe(0);
    // A late hop of that session finds nothing of it: the resume offer, as for any unknown session.
    expect(await phone.send('1')).toMatch(/^CON La session a été coupée/);

    const logs = t.logs.join('');
    for (const needle of [CANARY_INPUT, '77 999 00 61', 'CANARYxLASTxSCREEN']) {
      expect(logs).not.toContain(needle);
      expect(await t.storedBytes()).not.toContain(needle);
    }
  });

  it.each([
    ['without the secret → 403', EVENT, 'wrong', 403],
    ['without sessionId → 400', { ...EVENT, sessionId: '' }, 'events-secret', 400],
    ['without phoneNumber → 400', { ...EVENT, phoneNumber: '' }, 'events-secret', 400],
    ['an unknown session → 200 (nothing to forget)', { ...EVENT, sessionId: 'ATUid_unknown' }, 'events-secret', 200],
  ])('%s', async (_label, form, secret, status) => {
    expect((await post(form as Record<string, string>, secret)).status).toBe(status);
  });
});
