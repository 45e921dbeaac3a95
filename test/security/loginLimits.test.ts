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
  it('slow down guesses on one account wherever they come from, with a growing delay and no permanent lockout', async () => {
    const t = await createTestServer({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '1000' });
    try {
      await makeStaff(t, { name: 'Awa', password: PASSWORD });
      // A direct client inventing a new X-Forwarded-For for every try.
      const from = (i: number) => ({ 'X-Forwarded-For': `203.0.113.${i}` });
      for (let i = 0; i < 5; i += 1) expect((await consoleLogin(t, 'Awa', `guess ${i}`, from(i))).res.status).toBe(401);
      const refused = await consoleLogin(t, 'Awa', PASSWORD, from(6));
      expect(refused.res.status).toBe(429);
      expect(refused.res.text).toMatch(/Trop d&#39;échecs pour ce nom|Trop d'échecs pour ce nom/);
      expect(Number(refused.res.headers['retry-after'])).toBe(30);

      t.clock.advance(30_000);
      expect((await consoleLogin(t, 'Awa', 'guess 6', from(7))).res.status).toBe(401);
      // The next wait is twice as long.
      t.clock.advance(30_000);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from(8))).res.status).toBe(429);
      t.clock.advance(30_000);
      const inside = await consoleLogin(t, 'Awa', PASSWORD, from(9));
      expect(inside.res.status).toBe(303);
      // A success forgets the failures.
      expect((await consoleLogin(t, 'Awa', 'guess 9', from(10))).res.status).toBe(401);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from(11))).res.status).toBe(303);

      // Even after many failures the wait never grows past 15 minutes.
      for (let i = 0; i < 20; i += 1) {
        t.clock.advance(16 * 60_000);
        await consoleLogin(t, 'Awa', `again ${i}`, from(20 + i));
      }
      t.clock.advance(15 * 60_000);
      expect((await consoleLogin(t, 'Awa', PASSWORD, from(99))).res.status).toBe(303);
      // Names that do not exist are slowed down the same way: the answer tells nothing of which names exist.
      for (let i = 0; i < 5; i += 1) await consoleLogin(t, 'Nobody', `guess ${i}`, from(i));
      expect((await consoleLogin(t, 'Nobody', 'x', from(5))).res.status).toBe(429);
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

  it('refuse a TRUST_PROXY that is neither a hop count nor addresses', async () => {
    await expect(createTestServer({ TRUST_PROXY: 'everyone' })).rejects.toThrow(/TRUST_PROXY/);
  });
});
