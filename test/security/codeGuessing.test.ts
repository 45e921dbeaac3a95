import { GUESS_LIMIT_EVENT } from '../../src/gateway/cancelGuard';
import { codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { onScaleStorage, redisContents } from '../support/scale';
import { TWILIO_ENV, TwilioPhone } from '../support/smsPhones';
import { UssdSession } from '../support/ussdSession';

/**
 * Issue: the wrong-code limit counted per requester number only, in memory. With forged
 * numbers, 600 guesses took 14 s and cancelled a real request. Now wrong codes are counted
 * per number and across the whole service, in the database.
 */
const HOUR = 3_600_000;
let forged = 0;

/** One cancel attempt from a number never seen before: dial, then French, cancel and the code in one hop. */
async function guessFrom(t: TestServer, code: string): Promise<string> {
  forged += 1;
  const phone = new UssdSession(t.server.app, `+2217766${String(forged).padStart(5, '0')}`);
  await phone.dial();
  return phone.send(`1*5*${code}`);
}

/** A wrong code that is never a real one (the test knows the real one). */
const wrong = (i: number, real: string) => {
  const code = String(22_222_222 + i * 7).replace(/[01]/g, '2');
  return code === real ? '99999999' : code;
};

describe('guessing a reference code from many numbers', () => {
  let t: TestServer;
  let code: string;
  beforeEach(async () => {
    t = await createTestServer({ CANCEL_GUESS_LIMIT_PER_HOUR: '50', ...TWILIO_ENV });
    const person = new UssdSession(t.server.app, '+221770000601');
    await person.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await person.send(answer);
    code = codeShownIn(await person.send('1'));
  });
  afterEach(async () => {
    await t.close();
  });

  it('stops every cancel attempt after 50 wrong codes service-wide, the right code included, and warns once with a stable event name', async () => {
    for (let i = 0; i < 50; i += 1) expect(await guessFrom(t, wrong(i, code))).toMatch(/Aucune demande en cours/);
    // Fifty forged numbers, one guess each: none of them reached its own limit of five.
    expect(await guessFrom(t, wrong(50, code))).toMatch(/^END Trop d'essais/);
    expect(await guessFrom(t, code)).toMatch(/^END Trop d'essais/);
    expect((await t.server.prisma.intake.findFirstOrThrow()).status).toBe('pending');

    const warnings = t.logs.map((l) => JSON.parse(l)).filter((l) => l.event === GUESS_LIMIT_EVENT);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, scope: 'service', wrongCodes: 50 });
    expect(JSON.stringify(warnings)).not.toMatch(/7766|2222/);
  });

  it("never takes the person's own way to cancel away: their code from their own number still cancels during a flood", async () => {
    for (let i = 0; i < 50; i += 1) await guessFrom(t, wrong(i, code));
    expect(await guessFrom(t, code)).toMatch(/^END Trop d'essais/);
    const own = new UssdSession(t.server.app, '+221770000601');
    await own.dial();
    // A wrong code from the person's own number is refused like any other while the flood lasts.
    expect(await own.send(`1*5*${wrong(60, code)}`)).toMatch(/^END Trop d'essais/);
    const again = new UssdSession(t.server.app, '+221770000601');
    await again.dial();
    expect(await again.send(`1*5*${code}`)).toMatch(/^END Demande annulée/);
    expect((await t.server.prisma.intake.findFirstOrThrow()).status).toBe('cancelled');
  });

  it('counts guesses made at the same moment: of eighty in parallel, at most fifty are tried', async () => {
    const answers = await Promise.all(Array.from({ length: 80 }, (_, i) => guessFrom(t, wrong(i, code))));
    expect(answers.filter((a) => /Aucune demande en cours/.test(a)).length).toBeLessThanOrEqual(50);
    expect(answers.filter((a) => /Trop d'essais/.test(a)).length).toBeGreaterThanOrEqual(30);
    expect(await t.server.prisma.attempt.count({ where: { scope: 'cancel' } })).toBeLessThanOrEqual(80);
  });

  it('holds across a restart, and lifts once the hour has passed', async () => {
    for (let i = 0; i < 50; i += 1) await guessFrom(t, wrong(i, code));
    await t.restart();
    expect(await guessFrom(t, code)).toMatch(/^END Trop d'essais/);
    expect((await t.server.prisma.intake.findFirstOrThrow()).status).toBe('pending');
    t.clock.advance(HOUR + 1000);
    expect(await guessFrom(t, code)).toMatch(/^END Demande annulée/);
    expect((await t.server.prisma.intake.findFirstOrThrow()).status).toBe('cancelled');
  });

  it('still limits one number to five wrong codes an hour', async () => {
    const phone = new UssdSession(t.server.app, '+221770000602');
    await phone.dial();
    await phone.send('1*5');
    for (let i = 0; i < 5; i += 1) {
      expect(await phone.send(wrong(i, code))).toMatch(/Aucune demande en cours/);
      await phone.send('1');
    }
    expect(await phone.send(code)).toMatch(/^END Trop d'essais/);
    // Another number may still cancel with its code.
    expect(await guessFrom(t, code)).toMatch(/^END Demande annulée/);
  });

  it('keeps wrong codes under a keyed, truncated hash only, pruned after a day', async () => {
    await guessFrom(t, wrong(0, code));
    if (onScaleStorage()) {
      // Redis: the scope's sorted set and the key's, both named and filled with counters and that hash only.
      const prefix = t.storageEnv.REDIS_PREFIX;
      const attempts = [...(await redisContents(`${prefix}attempts:cancel`)).entries()];
      expect(attempts.map(([key]) => key.slice(prefix.length)).sort()).toEqual(['attempts:cancel', expect.stringMatching(/^attempts:cancel:[0-9a-f]{24}$/)]);
      expect(attempts.map(([, value]) => value).join('')).toMatch(/^[^+]*$/);
      t.clock.advance(25 * HOUR);
      await guessFrom(t, wrong(1, code));
      // A day later the first attempt is gone from both sets: only the new one is counted.
      const later = await redisContents(`${prefix}attempts:cancel`);
      expect(JSON.parse(later.get(`${prefix}attempts:cancel`)!)).toHaveLength(1);
      return;
    }
    const [row] = await t.server.prisma.attempt.findMany();
    expect(row).toMatchObject({ scope: 'cancel', key: expect.stringMatching(/^[0-9a-f]{24}$/) });
    t.clock.advance(25 * HOUR);
    expect(await t.server.purge()).toMatchObject({ attemptsPruned: 1 });
    expect(await t.server.prisma.attempt.count()).toBe(0);
  });

  it('counts SMS keyword guesses with USSD ones, and refuses them the same way', async () => {
    for (let i = 0; i < 45; i += 1) await guessFrom(t, wrong(i, code));
    for (let i = 45; i < 50; i += 1) expect(await new TwilioPhone(t.server.app, `+2217755${String(i).padStart(5, '0')}`).send(`ANNULER ${wrong(i, code)}`)).toMatch(/Aucune demande en cours/);
    expect(await new TwilioPhone(t.server.app, '+221775500099').send(`ANNULER ${code}`)).toMatch(/Trop d'essais/);
    expect((await t.server.prisma.intake.findFirstOrThrow()).status).toBe('pending');
  });
});
