import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, listen, recordDocumentWeights, type DocumentWeight, type Listening } from '../support/browser';
import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';
import { makeStaff } from './deskFixtures';

jest.setTimeout(90_000);

const WEIGHT_BUDGET = 30 * 1024;
const PHONE = '+221776543210';
const PASSWORD = 'mot de passe du bureau';

describe('web console in a browser, without JavaScript', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let t: TestServer;
  let web: Listening;
  /** Bytes transferred per page load (document: headers + body), in order. */
  let weights: DocumentWeight[] = [];

  beforeAll(async () => {
    t = await createTestServer();
    await makeStaff(t, { name: 'Awa Diop', password: PASSWORD });
    web = await listen(t.server.app);
    browser = await launchBrowser();
    // No JavaScript at all: the console must work as plain HTML forms.
    context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    page = await context.newPage();
    weights = recordDocumentWeights(page);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await t?.close();
  });

  it('logs in, claims, reveals, hides, records an outcome and closes an intake made over USSD; every page is under 30 KB', async () => {
    // A person asks for a callback over USSD (fr, callback, consent, for me, fr, woman, morning, health centre, confirm).
    const phone = new UssdSession(t.server.app, PHONE);
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const done = await phone.send('1');
    const code = /Code : ([2-9]{4} [2-9]{4})/.exec(done)![1];
    // Staff work from the label; the person's code appears nowhere in the console.
    const { label } = await t.server.prisma.intake.findFirstOrThrow();

    await page.goto(`${web.baseUrl}/console/`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.fill('input[name=name]', 'Awa Diop');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button.main');
    await page.waitForURL(`${web.baseUrl}/console/`);
    expect(await page.textContent('h1')).toBe("File d'attente");

    expect(await page.content()).not.toContain(code);
    await page.click(`text=${label}`);
    expect(await page.textContent('h1')).toBe(`Demande ${label}`);
    expect(await page.content()).not.toContain(code);
    expect(await page.textContent('#status')).toBe('En attente');
    await page.click('#claim');
    expect(await page.textContent('[role=status]')).toContain('Demande prise en charge');
    expect(await page.textContent('#status')).toBe('Prise en charge');
    expect(await page.content()).not.toContain(PHONE.slice(4));

    await page.click('#reveal');
    expect(await page.textContent('#number')).toBe('+221 77 654 32 10');
    expect(await page.getAttribute('#number a', 'href')).toBe(`tel:${PHONE}`);
    expect(await page.textContent('main')).toContain('Le centre de santé');
    await page.click('#hide');
    expect(await page.locator('#number').count()).toBe(0);
    expect(await page.content()).not.toContain(PHONE.slice(4));

    await page.check('input[name=outcome][value=reached]');
    await page.click('#record');
    expect(await page.textContent('[role=status]')).toContain('Résultat enregistré');
    await page.selectOption('select[name=reason]', 'resolved');
    await page.check('#close-confirm');
    await page.click('#close');
    expect(await page.textContent('#status')).toBe('Clôturée');
    expect(await page.textContent('main')).toContain('le numéro a été effacé');

    await page.click('text=Mes dossiers');
    expect(await page.textContent('main')).toContain('Vous ne suivez aucune demande');

    const intake = await t.server.prisma.intake.findFirstOrThrow();
    expect(intake).toMatchObject({ status: 'closed', closeReason: 'resolved', lastOutcome: 'reached', contactDestroyedAt: expect.any(Date) });
    expect(await t.server.prisma.openContact.count({ where: { intakeId: intake.id } })).toBe(0);
    const reveals = await t.server.prisma.auditEvent.findMany({ where: { action: 'contact.revealed' } });
    expect(reveals).toHaveLength(1);
    expect(reveals[0].detail).toBe('{"via":"console"}');

    // Page weights, measured in the browser (headers + body of each document; no other resources are loaded).
    await new Promise((r) => setTimeout(r, 50));
    console.log(`console page weights: ${weights.map((w) => `${w.page} ${w.bytes} B`).join(', ')}`);
    expect(weights.length).toBeGreaterThanOrEqual(9);
    for (const w of weights) expect({ page: w.page, underBudget: w.bytes < WEIGHT_BUDGET }).toEqual({ page: w.page, underBudget: true });
  });

  it('records the consent asked during the call with the hand-off, and refuses a hand-off without consent to services on the same page', async () => {
    const second = '+221776543299';
    const phone = new UssdSession(t.server.app, second);
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const intake = await t.server.prisma.intake.findFirstOrThrow({ where: { status: 'pending' } });
    await page.goto(`${web.baseUrl}/console/intakes/${intake.id}`);
    await page.click('#claim');
    await page.check('input[name=outcome][value=reached]');
    await page.click('#record');
    // Nothing ticked: the person was not asked, or said no. Refused, said on the same page, nothing changed.
    expect(await page.isChecked('#consent-services')).toBe(false);
    await page.click('#handoff');
    expect(await page.textContent('[role=alert]')).toContain('la personne n’a pas consenti aux services');
    expect(await page.textContent('#status')).toBe('Prise en charge');
    expect(await t.server.prisma.handoff.count()).toBe(0);
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).toMatchObject({ status: 'claimed', consentRecordedAt: null });

    await page.check('#consent-services');
    await page.check('#consent-shareWithOrganisations');
    await page.click('#handoff');
    expect(await page.textContent('[role=status]')).toContain('Demande transférée');
    expect(await page.textContent('#status')).toBe('Transférée');
    expect(await page.textContent('#consent')).toBe('Accepte de recevoir des services ; Accepte que son dossier soit partagé avec une autre organisation');
    expect(await page.content()).not.toContain(second.slice(4));
    const row = await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } });
    expect(row).toMatchObject({ status: 'handed_off', consentServices: true, consentShareOrgs: true, consentShareNumber: false, contactDestroyedAt: expect.any(Date) });
    const handoff = await t.server.prisma.handoff.findFirstOrThrow({ where: { intakeId: intake.id }, include: { contact: true } });
    expect(JSON.parse(handoff.payload).consent).toMatchObject({ services: true, shareWithOrganisations: true, shareNumber: false });
    expect(handoff.contact).toBeNull();
    const audit = await t.server.prisma.auditEvent.findMany({ where: { intakeId: intake.id, action: { in: ['intake.consent', 'intake.handed_off'] } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['intake.consent', 'intake.handed_off']);
    for (const w of weights) expect({ page: w.page, underBudget: w.bytes < WEIGHT_BUDGET }).toEqual({ page: w.page, underBudget: true });
  });
});
