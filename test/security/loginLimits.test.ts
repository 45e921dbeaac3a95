import { configWarnings, loadConfig } from '../../src/config';
import { consoleLogin, makeStaff } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * Issue: with TRUST_PROXY=1 a direct client rotated X-Forwarded-For and was never
 * limited; with TRUST_PROXY=0 behind a proxy, one person locked every caseworker out.
 * Now failures are limited per account (a growing delay, never a permanent lockout) as
 * well as per address, and TRUST_PROXY names the proxies whose X-Forwarded-For is believed.
 */
const PASSWORD = 'un mot de passe solide';

describe('console login limits', () => {
  it('slow down guesses on one name from one address with a growing delay, and never lock it out for good', async () => {
    const t = await createTestServer({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '1000' });
    try {
      await makeStaff(t, { name: 'Awa', password: PASSWORD });
      const from = { 'X-Forwarded-For': '203.0.113.1' };
      for (let i = 0; i < 5; i += 1) expect((await consoleLogin(t, 'Awa', `guess ${i}`, from)).res.status).toBe(401);
      const refused = await consoleLogin(t, 'Awa', PASSWORD, from);
      expect(refused.res.status).toBe(429);
      expect(refused.res.text).toMatch(/Trop d&#39;échecs pour ce nom/);
      expect(Number(refused.res.headers['retry-after'])).toBe(30);

      t.clock.advance(30_000);
      expect((await consoleLogin(t, 'Awa', 'guess 6', from)).res.status).toBe(401);
      // The next wait is twice as long.
      t.clock.advance(30_000);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from)).res.status).toBe(429);
      t.clock.advance(30_000);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from)).res.status).toBe(303);
      // A success forgets this address's failures.
      expect((await consoleLogin(t, 'Awa', 'guess 9', from)).res.status).toBe(401);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from)).res.status).toBe(303);

      // However many failures, the wait never grows past 15 minutes.
      for (let i = 0; i < 12; i += 1) {
        t.clock.advance(16 * 60_000);
        await consoleLogin(t, 'Awa', `again ${i}`, from);
      }
      t.clock.advance(15 * 60_000);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from)).res.status).toBe(303);
      // Names that do not exist are slowed down the same way: the answer tells nothing of which names exist.
      for (let i = 0; i < 5; i += 1) await consoleLogin(t, 'Nobody', `guess ${i}`, from);
      expect((await consoleLogin(t, 'Nobody', 'x', from)).res.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('slow down one name guessed from many addresses, but never keep its owner out: a known browser passes', async () => {
    const t = await createTestServer({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '1000' });
    try {
      await makeStaff(t, { name: 'Binta', password: PASSWORD });
      // Binta logs in from her own browser once: it is known from now on.
      const own = await consoleLogin(t, 'Binta', PASSWORD, { 'X-Forwarded-For': '198.51.100.20' });
      expect(own.res.status).toBe(303);
      const deviceCookie = (own.res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('psl_device='))!;
      expect(deviceCookie).toMatch(/^psl_device=[A-Za-z0-9_-]+\.[0-9a-f]{32}; Max-Age=15552000; Path=\/; HttpOnly; SameSite=Strict$/);

      // Someone inventing a new X-Forwarded-For for every guess (a direct client, TRUST_PROXY=1).
      for (let i = 0; i < 20; i += 1) expect((await consoleLogin(t, 'Binta', `guess ${i}`, { 'X-Forwarded-For': `203.0.113.${i}` })).res.status).toBe(401);
      expect((await consoleLogin(t, 'Binta', PASSWORD, { 'X-Forwarded-For': '203.0.113.99' })).res.status).toBe(429);
      // Binta's own browser still gets in.
      const known = await own.agent.get('/console/login');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(known.text)![1];
      expect((await own.agent.post('/console/login').set('X-Forwarded-For', '198.51.100.20').type('form').send({ name: 'Binta', password: PASSWORD, _csrf: csrf })).status).toBe(303);
      // A device cookie forged, or taken from another name, is worth nothing.
      const forged = await consoleLogin(t, 'Binta', PASSWORD, { 'X-Forwarded-For': '203.0.113.98', Cookie: 'psl_device=abc.0123456789abcdef0123456789abcdef' });
      expect(forged.res.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('count guesses made at the same moment: forty in parallel check at most five passwords', async () => {
    const t = await createTestServer({ LOGIN_RATE_LIMIT: '1000' });
    try {
      await makeStaff(t, { name: 'Coumba', password: PASSWORD });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => consoleLogin(t, 'Coumba', `guess ${i}`)));
      const statuses = results.map((r) => r.res.status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(35);
    } finally {
      await t.close();
    }
  });

  it("believe X-Forwarded-For only from the proxies TRUST_PROXY names, so one person's failures lock nobody else out", async () => {
    // The proxy runs on this machine (loopback): the address it forwards is the client's.
    const t = await createTestServer({ TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '3' });
    try {
      await makeStaff(t, { name: 'Binta', password: PASSWORD });
      for (let i = 0; i < 3; i += 1) await consoleLogin(t, `Someone ${i}`, 'wrong', { 'X-Forwarded-For': '198.51.100.7' });
      expect((await consoleLogin(t, 'Binta', PASSWORD, { 'X-Forwarded-For': '198.51.100.7' })).res.status).toBe(429);
      // A caseworker behind the same proxy, from another address, is not locked out.
      expect((await consoleLogin(t, 'Binta', PASSWORD, { 'X-Forwarded-For': '198.51.100.8' })).res.status).toBe(303);
    } finally {
      await t.close();
    }
  });

  it('ignore X-Forwarded-For from a client that is not a named proxy: inventing addresses buys no more tries', async () => {
    const t = await createTestServer({ TRUST_PROXY: '10.0.0.1', LOGIN_RATE_LIMIT: '3' });
    try {
      for (let i = 0; i < 3; i += 1) await consoleLogin(t, `Someone ${i}`, 'wrong', { 'X-Forwarded-For': `203.0.113.${i}` });
      expect((await consoleLogin(t, 'Someone 9', 'wrong', { 'X-Forwarded-For': '203.0.113.200' })).res.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('refuse a TRUST_PROXY that is neither a hop count nor addresses, and warn about one that trusts everyone', async () => {
    await expect(createTestServer({ TRUST_PROXY: 'everyone' })).rejects.toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: ' 1 ' }).TRUST_PROXY).toBe(1);
    expect(configWarnings(loadConfig({ TRUST_PROXY: '10.0.0.1, 0.0.0.0/0' })).map((w) => w.variable)).toEqual(['TRUST_PROXY']);
    expect(configWarnings(loadConfig({ TRUST_PROXY: '2', AT_ALLOWED_IPS: '197.248.0.0/16' }))[0].message).toMatch(/hop count/);
    expect(configWarnings(loadConfig({ TRUST_PROXY: '10.0.0.1', AT_ALLOWED_IPS: '197.248.0.0/16' }))).toEqual([]);
  });
});
