import { spawn } from 'node:child_process';
import path from 'node:path';
import { listen, type Listening } from '../support/browser';
import { createTestServer, type TestServer } from '../support/testServer';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/simulate.ts` with `input` piped to its stdin (closed afterwards). */
function simulate(args: string[], input: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.PASSERELLE_URL;
    delete env.AT_WEBHOOK_SECRET;
    Object.assign(env, extraEnv);
    const child = spawn(TSX, ['scripts/simulate.ts', ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined); // the client may exit (END) before reading everything
    child.stdin.end(input);
  });
}

describe('terminal simulator (npm run simulate)', () => {
  let t: TestServer;
  let web: Listening;
  beforeEach(async () => {
    t = await createTestServer();
    web = await listen(t.server.app);
  });
  afterEach(async () => {
    await web?.close();
    await t?.close();
  });

  it('prints each screen and exits cleanly when piped input ends', async () => {
    const run = await simulate(['--url', web.baseUrl], '1\n');
    expect(run.code).toBe(0);
    const welcome = run.stdout.indexOf('Bienvenue');
    const menu = run.stdout.indexOf('Menu principal');
    expect(welcome).toBeGreaterThanOrEqual(0);
    expect(menu).toBeGreaterThan(welcome);
    expect(run.stdout).toContain('\n1. Francais\n2. English\n');
    expect(run.stdout).toMatch(/CON \d+\/182/);
    expect(run.stderr).toContain('End of input');
    expect(await t.server.prisma.intake.count()).toBe(0);
  });

  it('walks a whole callback request, keeping the path, and stops at END', async () => {
    // fr, callback, next, consent, safe, for me, call in fr, woman, morning, health centre, confirm; then a stray line
    const answers = ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1', '9'];
    const run = await simulate(['--url', web.baseUrl, '--phone', '+221770000042'], answers.join('\n') + '\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Demande enregistrée\.\s+Code : [2-9]{4} [2-9]{4}/);
    expect(run.stdout).toMatch(/END \d+\/182\n$/);
    expect(run.stderr).not.toContain('End of input');
    const intakes = await t.server.prisma.intake.findMany();
    expect(intakes).toHaveLength(1);
    expect(intakes[0]).toMatchObject({ status: 'pending', channel: 'ussd', language: 'fr' });
  });

  it('skips empty lines and ends on quick exit', async () => {
    const run = await simulate(['--url', web.baseUrl], '\n1\n\n0\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Menu principal');
    expect(run.stdout).toContain('Au revoir');
    expect(run.stdout).toMatch(/END \d+\/182\n$/);
  });

  it('takes the base URL from PASSERELLE_URL', async () => {
    const run = await simulate([], '0\n', { PASSERELLE_URL: `${web.baseUrl}/` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Bienvenue');
    expect(run.stdout).toContain('Au revoir');
  });

  it('exits non-zero with a clear message when the server is not reachable', async () => {
    const closed = await listen(t.server.app);
    await closed.close(); // a port that nobody listens on any more
    const run = await simulate(['--url', closed.baseUrl], '1\n');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`Cannot reach Passerelle at ${closed.baseUrl}`);
    expect(run.stdout).toBe('');
  });

  it('--sms texts the Twilio endpoint, each line one signed SMS', async () => {
    const run = await simulate(['--url', web.baseUrl, '--sms', '--phone', '+221770000043'], 'Bonjour\n1\nSTOP\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Bienvenue[\s\S]*Ces SMS restent[\s\S]*Menu principal[\s\S]*Merci\. Au revoir\./);
    expect(run.stdout).toMatch(/SMS \d+ characters/);
    expect(run.stderr).toContain('SMS simulator');
  });

  it('rejects a malformed option with usage', async () => {
    const run = await simulate(['--url', web.baseUrl, '--phone', 'nope'], '');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--phone');
  });
});
