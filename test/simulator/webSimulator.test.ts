import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { launchBrowser, listen, type Listening } from '../support/browser';
import { referenceHash } from '../../src/caseLink/referenceCode';
import { createTestServer, testKeyring, type TestServer } from '../support/testServer';

jest.setTimeout(90_000);

const WEIGHT_BUDGET = 30 * 1024;

/** What the page posted to the USSD endpoint, hop by hop. */
interface Posted {
  contentType: string;
  form: URLSearchParams;
}

describe('web simulator at /simulator/', () => {
  let browser: Browser;
  let t: TestServer;
  let web: Listening;
  let page: Page;
  let posted: Posted[];
  let hop: number;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    t = await createTestServer();
    web = await listen(t.server.app);
    page = await browser.newPage({ viewport: { width: 700, height: 950 } });
    posted = [];
    hop = 0;
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/webhooks/africastalking/ussd') {
        posted.push({ contentType: req.headers()['content-type'] ?? '', form: new URLSearchParams(req.postData() ?? '') });
      }
    });
  });
  afterEach(async () => {
    await page?.close();
    await web?.close();
    await t?.close();
  });

  async function open(): Promise<void> {
    await page.goto(`${web.baseUrl}/simulator/`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.inputValue('#service-code')).toBe('*384*123#');
  }

  /** Waits until the page has handled one more reply (the screen counts them in data-hop). */
  async function nextScreen(): Promise<string> {
    hop += 1;
    await page.waitForSelector(`#screen[data-hop="${hop}"]`);
    return page.innerText('#screen');
  }

  async function dial(): Promise<string> {
    await page.click('#dial');
    return nextScreen();
  }

  /** Types an answer and submits it, with Enter or with the Send button. */
  async function answer(value: string, how: 'enter' | 'send' = 'enter'): Promise<string> {
    await page.fill('#answer', value);
    if (how === 'enter') await page.press('#answer', 'Enter');
    else await page.click('#send');
    return nextScreen();
  }

  async function expectReadyForAnswer(): Promise<void> {
    expect(await page.isEnabled('#answer')).toBe(true);
    expect(await page.isEnabled('#send')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('answer');
    expect(await page.innerText('#counter')).toMatch(/^\d{1,3}\/182$/);
  }

  async function walkCallback(answers: string[]): Promise<string> {
    await open();
    const welcome = await dial();
    expect(welcome).toContain('Bienvenue');
    await expectReadyForAnswer();
    let screen = welcome;
    for (const [i, value] of answers.entries()) {
      screen = await answer(value, i % 2 === 0 ? 'enter' : 'send');
      if (i < answers.length - 1) await expectReadyForAnswer();
    }
    // The session is over: no input, an offer to dial again.
    expect(await page.isDisabled('#answer')).toBe(true);
    expect(await page.isDisabled('#send')).toBe(true);
    expect((await page.innerText('#dial')).trim()).toBe('Dial again');
    expect(await page.innerText('#error')).toBe('');
    return screen;
  }

  function expectPathsLikeAfricasTalking(answers: string[]): void {
    expect(posted).toHaveLength(answers.length + 1);
    const sessionIds = new Set(posted.map((p) => p.form.get('sessionId')));
    expect(sessionIds.size).toBe(1);
    posted.forEach((p, i) => {
      expect(p.contentType).toMatch(/^application\/x-www-form-urlencoded/);
      expect(p.form.get('text')).toBe(answers.slice(0, i).join('*'));
      expect(p.form.get('serviceCode')).toBe('*384*123#');
      expect(p.form.get('phoneNumber')).toBe('+221770000001');
      expect(p.form.get('networkCode')).toBe('60801');
    });
  }

  it('walks a complete callback request in French and creates exactly one intake', async () => {
    // fr, callback, next, consent, safe, for me, call in fr, woman, morning, health centre, confirm
    const answers = ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'];
    const done = await walkCallback(answers);
    expect(done).toContain('Demande enregistrée');
    const code = /Code : ([2-9]{4}) ([2-9]{4})/.exec(done);
    expect(code).not.toBeNull();
    expect(await page.innerText('#counter')).toBe(`${('END ' + done).length}/182`);
    expectPathsLikeAfricasTalking(answers);

    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'ussd', language: 'fr' });
    expect(intakes[0].referenceHash).toBe(referenceHash(testKeyring(), `${code![1]}${code![2]}`));

    // Nothing is kept in the browser.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);

    const dir = process.env.SIMULATOR_SCREENSHOT_DIR;
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, 'simulator-fr-done.png'), fullPage: true });
    }
  });

  it('walks a complete callback request in English', async () => {
    // English, callback, next, consent, safe, for me, call in fr, woman, morning, health centre, confirm
    const answers = ['2', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'];
    const done = await walkCallback(answers);
    expect(done).toContain('Request saved');
    expect(done).toMatch(/Code: [2-9]{4} [2-9]{4}/);
    expectPathsLikeAfricasTalking(answers);
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    // The intake's language is the one chosen for the call ("1. Français"), not the menu language.
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'ussd', language: 'fr' });
  });

  it('keeps line breaks of a menu, and quick exit 0 ends the session', async () => {
    await open();
    await dial();
    const menu = await answer('1');
    expect(menu.split('\n')[0]).toBe('Menu principal');
    expect(menu).toContain('\n2. Demander un rappel\n');
    const bye = await answer('0');
    expect(bye).toMatch(/Au revoir/);
    expect(await page.isDisabled('#answer')).toBe(true);
    expect(await t.server.prisma.intake.count()).toBe(0);
  });

  it('types answers with the keypad', async () => {
    await open();
    await dial();
    await page.click('.keypad button[data-key="1"]');
    expect(await page.inputValue('#answer')).toBe('1');
    await page.click('#send');
    expect(await nextScreen()).toContain('Menu principal');
  });

  it('cancel ends the session locally; dial again starts a fresh session', async () => {
    await open();
    await dial();
    await answer('1');
    await page.click('#cancel');
    await nextScreen();
    expect(await page.innerText('#screen')).toContain('cancelled');
    expect(await page.isDisabled('#answer')).toBe(true);
    expect(await page.isDisabled('#cancel')).toBe(true);
    expect((await page.innerText('#dial')).trim()).toBe('Dial again');
    expect(posted).toHaveLength(2);

    expect(await dial()).toBeTruthy();
    await expectReadyForAnswer();
    expect(posted).toHaveLength(3);
    expect(posted[2].form.get('text')).toBe('');
    expect(posted[2].form.get('sessionId')).not.toBe(posted[0].form.get('sessionId'));
  });

  it('shows the status and body of an HTTP error', async () => {
    await open();
    await page.fill('#phone-number', 'not a number');
    await dial();
    const error = await page.innerText('#error');
    expect(error).toContain('400');
    expect(error).toContain('phoneNumber must be an international number');
    expect(await page.isDisabled('#answer')).toBe(true);
    expect((await page.innerText('#dial')).trim()).toBe('Dial again');
  });

  it('offers a random fictional number', async () => {
    await open();
    await page.click('#random-number');
    expect(await page.inputValue('#phone-number')).toMatch(/^\+22177000\d{4}$/);
  });

  it('weighs less than 30 KB', async () => {
    const requests: Request[] = [];
    page.on('request', (req) => requests.push(req));
    await open();
    await page.waitForLoadState('networkidle');
    const sizes = await Promise.all(
      requests.map(async (req) => {
        const s = await req.sizes();
        return { path: new URL(req.url()).pathname, bytes: s.responseHeadersSize + s.responseBodySize };
      }),
    );
    const paths = sizes.map((s) => s.path).sort();
    expect(paths).toEqual(['/simulator/', '/simulator/config.json', '/simulator/simulator.css', '/simulator/simulator.js']);
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    console.log(`simulator page weight: ${total} bytes (${sizes.map((s) => `${s.path} ${s.bytes}`).join(', ')})`);
    expect(total).toBeLessThan(WEIGHT_BUDGET);
  });
});
