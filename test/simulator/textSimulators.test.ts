import type { Browser, Page } from 'playwright-core';
import { launchBrowser, listen, type Listening } from '../support/browser';
import { createTestServer, type TestServer } from '../support/testServer';

jest.setTimeout(90_000);

/** The SMS thread, WhatsApp chat and Telegram chat views, against the real endpoints of a development server. */
describe('SMS and Telegram simulator views', () => {
  let browser: Browser;
  let t: TestServer;
  let web: Listening;
  let page: Page;
  beforeAll(async () => {
    browser = await launchBrowser();
    t = await createTestServer();
    web = await listen(t.server.app);
  });
  afterAll(async () => {
    await web?.close();
    await t?.close();
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 700, height: 950 } });
  });
  afterEach(async () => {
    await page?.close();
  });

  it('SMS thread: signed messages to /webhooks/twilio/sms, replies in the thread, a request end to end', async () => {
    const signatures: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/webhooks/twilio/sms') signatures.push(req.headers()['x-twilio-signature'] ?? '');
    });
    await page.goto(`${web.baseUrl}/simulator/sms.html`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#phone-number', '+221770000061');
    let count = 0;
    const send = async (text: string) => {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
      count += 2;
      await page.waitForSelector(`#thread[data-count="${count}"]`);
      return page.innerText('#thread .msg.in:last-child');
    };
    expect(await send('Bonjour')).toMatch(/^Bienvenue[\s\S]*Ces SMS restent/);
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await send(answer);
    expect(await send('1')).toMatch(/Demande enregistrée\.\s+Code : [2-9]{4} [2-9]{4}/);
    expect(signatures.every((s) => s.length > 20)).toBe(true);
    expect(await t.server.prisma.intake.count()).toBe(1);
    expect((await t.server.prisma.intake.findFirstOrThrow()).channel).toBe('sms_twilio');
    expect(await page.innerText('#error')).toBe('');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
  });

  it('Telegram chat: buttons, the contact button, and the quick exit that empties the chat', async () => {
    await page.goto(`${web.baseUrl}/simulator/telegram.html`);
    await page.waitForSelector('body[data-ready="true"]');
    let updates = 0;
    const next = async () => {
      updates += 1;
      await page.waitForSelector(`#thread[data-updates="${updates}"]`);
    };
    await page.fill('#text', '/start');
    await page.press('#text', 'Enter');
    await next();
    expect(await page.innerText('#thread')).toContain('Bienvenue');
    for (const label of ['Français', 'Demander un rappel', 'Oui', 'Donner un numéro']) {
      await page.click(`#thread .msg:last-child button:text-is("${label}")`);
      await next();
    }
    await page.fill('#phone-number', '+221770000062');
    await page.click('#replykb button:text-is("Partager mon numéro")');
    await next();
    expect(await page.innerText('#thread .msg:last-child')).toContain("Sujet de l'appel ?");
    await page.click('#thread .msg:last-child button:has-text("Quitter")');
    await next();
    expect(await page.locator('#thread .msg').count()).toBe(0);
    expect(await t.server.prisma.intake.count()).toBe(1);
  });

  it('the Telegram chat answers after a reload (its update ids are not taken for retries)', async () => {
    for (let load = 0; load < 2; load += 1) {
      await page.goto(`${web.baseUrl}/simulator/telegram.html`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.fill('#text', '/start');
      await page.press('#text', 'Enter');
      await page.waitForSelector('#thread[data-updates="1"]');
      await page.waitForFunction(() => document.querySelector('#thread')?.textContent?.includes('Bienvenue'));
    }
  });

  it('WhatsApp chat: signed messages to /webhooks/twilio/whatsapp; from a user id the flow asks for a number; a request end to end', async () => {
    const signatures: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/webhooks/twilio/whatsapp') signatures.push(req.headers()['x-twilio-signature'] ?? '');
    });
    await page.goto(`${web.baseUrl}/simulator/whatsapp.html`);
    await page.waitForSelector('body[data-ready="true"]');
    // A user id: no number shared, so the flow asks for one.
    await page.fill('#phone-number', 'SN.55500011122233344455');
    let count = 0;
    const send = async (text: string) => {
      await page.fill('#text', text);
      await page.press('#text', 'Enter');
      count += 2;
      await page.waitForSelector(`#thread[data-count="${count}"]`);
      return page.innerText('#thread .msg.in:last-child');
    };
    expect(await send('Bonjour')).toMatch(/^Bienvenue[\s\S]*messages éphémères/);
    for (const answer of ['1', '2', '1']) await send(answer);
    expect(await send('1')).toMatch(/^Tapez le numéro/);
    for (const answer of ['77 000 01 62', '1', '1', '1', '1', '1', '1']) await send(answer);
    expect(await send('1')).toMatch(/Demande enregistrée\.\s+Code : [2-9]{4} [2-9]{4}/);
    expect(signatures.length).toBe(count / 2);
    expect(signatures.every((s) => s.length > 20)).toBe(true);
    expect((await t.server.prisma.intake.findFirstOrThrow({ where: { channel: 'whatsapp' } })).channel).toBe('whatsapp');
    expect(await page.innerText('#error')).toBe('');
  });
});
