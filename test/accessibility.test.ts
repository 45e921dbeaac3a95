import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from './support/axe';
import { launchBrowser, listen, type Listening } from './support/browser';
import { makeIntake, makeStaff } from './desk/deskFixtures';
import { createTestServer, type TestServer } from './support/testServer';

const PASSWORD = 'un mot de passe solide';

// Chromium walks many pages, each checked by axe: a loaded machine needs more than the default 30 s.
jest.setTimeout(120_000);

/**
 * Pages that everyone can use: axe-core runs in Chromium on every console and simulator
 * page (and the states a caseworker goes through), and finds no serious or critical
 * violation. The console allows no script (strict CSP): the test context bypasses the
 * CSP to inject axe only.
 */
describe('accessibility (axe-core, no serious or critical violation)', () => {
  let t: TestServer;
  let web: Listening;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pages: Array<{ name: string; problems: string[] }> = [];
  const check = async (name: string) => pages.push({ name, problems: await seriousViolations(page) });

  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    web = await listen(t.server.app);
    browser = await launchBrowser();
    context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    await makeStaff(t, { name: 'Awa Diop', password: PASSWORD });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await t?.close();
  });

  it('the web console, through a whole request', async () => {
    const intake = await makeIntake(t);
    await page.goto(`${web.baseUrl}/console/login`);
    await check('console login');
    await page.fill('input[name=name]', 'Awa Diop');
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button.main');
    await check('console login, refused');
    await page.fill('input[name=name]', 'Awa Diop');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button.main');
    await page.waitForURL(`${web.baseUrl}/console/`);
    await check('queue');
    await page.click(`text=${intake.label}`);
    await check('request, pending');
    await page.click('#claim');
    await check('request, claimed');
    await page.click('#reveal');
    await check('request, number shown');
    await page.check('input[name=outcome][value=no_answer]');
    await page.click('#record');
    await check('request, back in the queue');
    // Claimed again: closing without the confirmation, an outcome that asks first.
    await page.goto(`${web.baseUrl}/console/intakes/${intake.id}`);
    await page.click('#claim');
    await page.evaluate(() => document.querySelector('#close-confirm')?.removeAttribute('required'));
    await page.click('#close');
    await check('request, close not confirmed');
    // Reached: the consent asked during the call, then a hand-off refused without consent to services.
    await page.check('input[name=outcome][value=reached]');
    await page.click('#record');
    await check('request, reached: consent and hand-off');
    await page.click('#handoff');
    await check('request, hand-off refused without consent');
    await page.check('input[name=outcome][value=wrong_number]');
    await page.click('#record');
    await check('request, outcome to confirm');
    await page.goto(`${web.baseUrl}/console/caseload`);
    await check('caseload');
    // Its time runs out: the caseload says why it is gone, and so does its page.
    t.clock.advance(73 * 3_600_000);
    await t.server.purge();
    // The console session has expired too (8 hours): log in again.
    await page.goto(`${web.baseUrl}/console/login`);
    await page.fill('input[name=name]', 'Awa Diop');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button.main');
    await page.goto(`${web.baseUrl}/console/caseload`);
    expect(await page.textContent('main')).toContain('Expirées cette semaine');
    await check('caseload, a request expired');
    await page.goto(`${web.baseUrl}/console/intakes/${intake.id}`);
    await check('request, expired');
    await page.goto(`${web.baseUrl}/console/caseload`);
    await page.click('text=Lier mon compte Telegram');
    await check('Telegram link code');
    await page.goto(`${web.baseUrl}/console/intakes/ffffffffffffffffffffffffffffffff`);
    await check('not found');
    await page.goto(`${web.baseUrl}/console/lang?to=en`);
    await check('queue, in English');
    expect(pages.filter((p) => p.problems.length > 0)).toEqual([]);
  });

  it('the simulators', async () => {
    pages.length = 0;
    for (const [name, path] of [
      ['USSD simulator', '/simulator/'],
      ['SMS simulator', '/simulator/sms.html'],
      ['Telegram simulator', '/simulator/telegram.html'],
      ['WhatsApp simulator', '/simulator/whatsapp.html'],
    ]) {
      await page.goto(`${web.baseUrl}${path}`);
      await page.waitForSelector('body[data-ready="true"]').catch(() => undefined);
      await check(name);
    }
    // The USSD phone showing a screen.
    await page.goto(`${web.baseUrl}/simulator/`);
    await page.click('#dial');
    await page.waitForFunction(() => document.querySelector('#screen')?.textContent?.includes('Bienvenue'));
    await check('USSD simulator, a screen shown');
    // The SMS thread and the Telegram chat with messages in them.
    await page.goto(`${web.baseUrl}/simulator/sms.html`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#text', 'Bonjour');
    await page.press('#text', 'Enter');
    await page.waitForSelector('#thread[data-count="2"]');
    await check('SMS simulator, a conversation');
    await page.goto(`${web.baseUrl}/simulator/telegram.html`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#text', '/start');
    await page.press('#text', 'Enter');
    await page.waitForSelector('#thread[data-updates="1"]');
    await page.waitForFunction(() => document.querySelector('#thread')?.textContent?.includes('Bienvenue'));
    await check('Telegram simulator, a conversation');
    expect(pages.filter((p) => p.problems.length > 0)).toEqual([]);
  });
});
