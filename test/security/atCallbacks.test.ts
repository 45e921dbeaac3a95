import { FakeAfricasTalking } from '../support/fakeAfricasTalking';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * Issue: with NODE_ENV=production and no AT_WEBHOOK_SECRET, anyone could POST forged
 * USSD and SMS callbacks with any phoneNumber. Now an Africa's Talking endpoint is
 * served in production only with the secret, and AT_ALLOWED_IPS narrows who may call.
 */
const USSD = { sessionId: 'ATUid_forged', serviceCode: '*384*123#', phoneNumber: '+221770000501', networkCode: '60801', text: '' };
const SMS = { from: '+221770000502', to: '20880', text: 'Bonjour', date: '2026-11-24 09:00:00', id: 'forged-1', linkId: '' };
const DELIVERY = { id: 'ATXid_1', status: 'Success', phoneNumber: '+221770000502', networkCode: '60801', retryCount: '0' };

describe("Africa's Talking callbacks in production", () => {
  let at: FakeAfricasTalking;
  beforeAll(async () => {
    at = await new FakeAfricasTalking().start();
  });
  afterAll(async () => {
    await at.stop();
  });
  const atEnv = () => ({ NODE_ENV: 'production', AT_USERNAME: 'passerelle', AT_API_KEY: 'k', AT_API_BASE_URL: at.baseUrl });

  describe('without AT_WEBHOOK_SECRET', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await createTestServer(atEnv());
    });
    afterAll(async () => {
      await t.close();
    });

    it.each([
      ['USSD', '/webhooks/africastalking/ussd', USSD],
      ['SMS', '/webhooks/africastalking/sms', SMS],
      ['delivery reports', '/webhooks/africastalking/sms/delivery', DELIVERY],
      ['USSD end-of-session notifications', '/webhooks/africastalking/ussd/events', { sessionId: 'x', status: 'Success' }],
    ])('refuses forged %s callbacks with 503, changing nothing', async (_label, path, form) => {
      const res = await t.http.post(path).type('form').send(form);
      expect(res.status).toBe(503);
      expect(res.text).toMatch(/AT_WEBHOOK_SECRET/);
      expect(await t.server.prisma.intake.count()).toBe(0);
      expect(await t.server.prisma.outboxMessage.count()).toBe(0);
      expect(await t.server.prisma.deliveryStat.count()).toBe(0);
    });

    it('reports both channels disabled on /healthz, with the reason', async () => {
      const res = await t.http.get('/healthz');
      expect(res.body.channels).toMatchObject({ ussd: 'disabled', sms_africastalking: 'disabled' });
      expect(res.body.reasons.ussd).toMatch(/AT_WEBHOOK_SECRET is not set/);
      expect(res.body.reasons.sms_africastalking).toMatch(/AT_WEBHOOK_SECRET is not set/);
    });

    it('warns in the start log, naming the variable', async () => {
      await t.server.warnings();
      const warnings = t.logs.map((l) => JSON.parse(l));
      expect(warnings.find((l) => l.variable === 'AT_WEBHOOK_SECRET')).toMatchObject({ level: 40, channels: ['ussd', 'sms_africastalking'] });
      // Nobody works any queue on this new server: each routed queue is named.
      expect(
        warnings
          .filter((l) => l.variable === 'QUEUE_ROUTES')
          .map((l) => l.queue)
          .sort(),
      ).toEqual(['child_protection', 'gbv', 'migrant_protection']);
    });
  });

  describe('with AT_WEBHOOK_SECRET', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await createTestServer({ ...atEnv(), AT_WEBHOOK_SECRET: 'callback-secret-9' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('serves callbacks that carry it, refuses those that do not', async () => {
      expect((await t.http.post('/webhooks/africastalking/ussd').type('form').send(USSD)).status).toBe(403);
      expect((await t.http.post('/webhooks/africastalking/ussd?secret=wrong').type('form').send(USSD)).status).toBe(403);
      expect((await t.http.post('/webhooks/africastalking/sms?secret=wrong').type('form').send(SMS)).status).toBe(403);
      const ok = await t.http.post('/webhooks/africastalking/ussd?secret=callback-secret-9').type('form').send(USSD);
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/^CON /);
      expect((await t.http.get('/healthz')).body).toEqual({ status: 'ok', channels: expect.objectContaining({ ussd: 'enabled', sms_africastalking: 'enabled' }) });
    });
  });

  describe('AT_ALLOWED_IPS', () => {
    it('admits only the listed addresses and ranges, read through the trusted proxies only', async () => {
      const t = await createTestServer({ ...atEnv(), AT_WEBHOOK_SECRET: 's', AT_ALLOWED_IPS: '197.248.0.0/16, 2c0f:fe38::1', TRUST_PROXY: 'loopback' });
      try {
        const post = (forwardedFor?: string) => {
          const req = t.http.post('/webhooks/africastalking/ussd?secret=s').type('form');
          return (forwardedFor ? req.set('X-Forwarded-For', forwardedFor) : req).send({ ...USSD, sessionId: `s-${Math.random()}` });
        };
        expect((await post('197.248.10.20')).status).toBe(200);
        expect((await post('2c0f:fe38::1')).status).toBe(200);
        expect((await post('41.90.1.1')).status).toBe(403);
        // The test client itself (loopback) is not Africa's Talking.
        expect((await post()).status).toBe(403);
        // A client cannot pass as a listed address by prepending it: the proxy appends the real one.
        expect((await post('197.248.10.20, 41.90.1.1')).status).toBe(403);
      } finally {
        await t.close();
      }
    });

    it('is refused at start when it is not a list of addresses', () => {
      return expect(createTestServer({ AT_ALLOWED_IPS: '197.248.0.0/33' })).rejects.toThrow(/AT_ALLOWED_IPS: addresses or CIDR ranges/);
    });
  });
});
