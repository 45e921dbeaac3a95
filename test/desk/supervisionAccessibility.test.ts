import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from '../support/axe';
import { claimIntake } from '../../src/caseLink/claimIntake';
import { launchBrowser, listen, type Listening } from '../support/browser';
import { createTestServer, type TestServer } from '../support/testServer';
import { makeIntake, makeStaff } from './deskFixtures';

jest.setTimeout(120_000);

const PASSWORD = 'un mot de passe solide';

/** axe-core in Chromium on every page of the supervisor's desk: no serious or critical violation (the CSP is bypassed to inject axe only). */
describe('supervisor desk accessibility (axe-core)', () => {
  let t: TestServer;
  let web: Listening;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    web = await listen(t.server.app);
    browser = await launchBrowser();
    context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await web?.close();
    await t?.close();
  });

  it('has no serious or critical violation on the overview, reassign, statistics and account pages', async () => {
    await makeStaff(t, { name: 'Ada Admin', role: 'admin', password: PASSWORD });
    await makeStaff(t, { name: 'Sam Superviseur', role: 'supervisor' });
    const awa = await makeStaff(t, { name: 'Awa Diop' });
    await makeStaff(t, { name: 'Binta Sow' });
    const held = await makeIntake(t);
    await claimIntake(t.server.desk.context, { intakeId: held.id, actor: { id: awa.id, role: 'caseworker', queues: ['gbv'], languages: ['fr'], gender: 'f' } });
    await makeIntake(t);
    t.clock.advance(68 * 3_600_000); // the claim is stale, the pending request near expiry

    await page.goto(`${web.baseUrl}/console/login`);
    await page.fill('input[name=name]', 'Ada Admin');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button.main');
    await page.waitForURL(`${web.baseUrl}/console/`);

    const problems: Array<{ name: string; problems: string[] }> = [];
    const check = async (name: string, path: string) => {
      await page.goto(`${web.baseUrl}${path}`);
      problems.push({ name, problems: await seriousViolations(page) });
    };
    await check('overview', '/console/supervision');
    await check('staff caseload', `/console/supervision/staff/${awa.id}`);
    await check('reassign', `/console/supervision/reassign/${held.id}`);
    await check('statistics', '/console/stats');
    await check('accounts', '/console/staff');
    await check('account', `/console/staff/${awa.id}`);
    await page.click('#rotate-token');
    problems.push({ name: 'new token', problems: await seriousViolations(page) });
    expect(problems).toEqual(problems.map(({ name }) => ({ name, problems: [] })));
  });
});
