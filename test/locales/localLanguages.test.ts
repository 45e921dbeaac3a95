import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * The information and callback flows, whole, in Wolof and Bambara over USSD: the
 * language menu names each language in itself, every screen is in the chosen
 * language and fits, and the request records the language of the call.
 */
describe.each([
  ['wo', '3', 'Wolof', /^CON Lan nga soxla\?/, /^END Sa laaj denc nañu ko\.\nKod: [2-9]{4} [2-9]{4}\n/],
  ['bm', '4', 'Bamanankan', /^CON I mago bè mun na\?/, /^END I ka nyinini marala\.\nKòdi: [2-9]{4} [2-9]{4}\n/],
])('%s', (lang, choice, name, infoScreen, doneScreen) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ LANGUAGES: 'fr,en,wo,bm', SHOW_DRAFT_STRINGS: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it(`is offered as "${name}" and runs the information flow`, async () => {
    const phone = new UssdSession(t.server.app, '+221770005001');
    expect(await phone.dial()).toContain(`${choice}. ${name}`);
    await phone.send(choice);
    expect(await phone.send('1')).toMatch(infoScreen);
    for (const answer of ['2', '1']) expect(await phone.send(answer)).toMatch(/^CON /);
    const list = await phone.send('99');
    expect(list.length).toBeLessThanOrEqual(182);
  });

  it('runs a whole callback request, called back in that language', async () => {
    const phone = new UssdSession(t.server.app, `+22177000600${choice}`);
    await phone.dial();
    const screens: string[] = [];
    // language, callback, consent, safe: yes, for me, medical care, call in this language, a woman, morning, health centre
    for (const answer of [choice, '2', '1', '1', '1', '1', choice, '1', '1', '1']) screens.push(await phone.send(answer));
    screens.push(await phone.send('1'));
    expect(screens.at(-1)).toMatch(doneScreen);
    for (const screen of screens) expect(screen.length).toBeLessThanOrEqual(182);
    // Nothing in French leaked into these screens (a missing string would fall back to French).
    for (const screen of screens) expect(screen).not.toMatch(/Quitter|Choix non valide|Demande enregistrée/);
    expect(await t.server.prisma.intake.findFirstOrThrow({ where: { language: lang } })).toMatchObject({ status: 'pending', callerGender: 'female' });
  });

  it('falls back to French, counted, when drafts may not be shown', async () => {
    const strict = await createTestServer({ LANGUAGES: 'fr,en,wo,bm', SHOW_DRAFT_STRINGS: 'false' });
    try {
      const phone = new UssdSession(strict.server.app, '+221770007001');
      await phone.dial();
      expect(await phone.send(choice)).toMatch(/^CON Menu principal/);
      expect(strict.server.localizer.fallbacks.get(`${lang}:main.prompt`)).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });
});
