import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { freePort } from '../../scripts/scale/services';
import { TEST_ENV } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

const ROOT = path.join(__dirname, '..', '..');
const TOKEN = 'metrics-token-for-the-test-0123456789';
const CANARY = '+221779990301';

/**
 * `npm start` runs the compiled server (dist/, built by `npm ci`), not the TypeScript
 * sources: started here as `npm start` starts it, with a database copied from the
 * migrated template, and watched through /metrics.
 */
/** The Node.js flags `npm start` runs the server with (package.json). */
const START_FLAGS = (require('../../scripts/startFlags') as { startFlags(): string[] }).startFlags();

describe('the compiled server', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let output = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-compiled-'));
    fs.copyFileSync(process.env.PASSERELLE_TEST_TEMPLATE!, path.join(dir, 'p.db'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...START_FLAGS, path.join(ROOT, 'scripts', 'start.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...TEST_ENV,
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: `file:${path.join(dir, 'p.db')}`,
        DATA_DIR: dir,
        METRICS_TOKEN: TOKEN,
        PASSERELLE_TEST_NOW: '2026-11-24T09:00:00Z',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c) => (output += String(c)));
    child.stderr!.on('data', (c) => (output += String(c)));
    for (let i = 0; i < 300; i += 1) {
      if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
      if (
        await fetch(`${url}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the server did not start: ${output}`);
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is the JavaScript of dist/, loaded without a TypeScript loader', () => {
    const loaded = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    expect(loaded).toEqual([process.execPath, ...START_FLAGS, path.join(ROOT, 'scripts', 'start.js'), '']);
    const maps = fs.readFileSync(`/proc/${child.pid}/maps`, 'utf8');
    // tsx would run esbuild (a native binary) beside it, and a loader thread.
    expect(maps).not.toMatch(/esbuild/);
    expect(fs.existsSync(path.join(ROOT, 'dist', 'main.js'))).toBe(true);
  });

  it('answers /metrics only with the token, and its counters move with a USSD walk, with no canary anywhere', async () => {
    expect((await request(url).get('/metrics')).status).toBe(401);
    expect((await request(url).get('/metrics').set('Authorization', 'Bearer not-the-token-at-all-0000000')).status).toBe(401);
    const before = await request(url).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(before.status).toBe(200);
    expect(before.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(before.text).toMatch(/^passerelle_intake_events_total\{event="created"\} 0$/m);
    expect(before.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(before.text).toMatch(/^passerelle_start_time_seconds 1795\d+/m);

    const phone = new UssdSession(url, CANARY);
    await phone.dial();
    for (const answer of ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1']) await phone.send(answer);
    const last = await phone.send('1');
    expect(last).toMatch(/^END Demande enregistrée/);
    const code = /\b([2-9]{4}) ([2-9]{4})\b/.exec(last)!;

    const after = (await request(url).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    expect(after).toMatch(/^passerelle_conversation_steps_total\{channel="ussd"\} 12$/m);
    expect(after).toMatch(/^passerelle_http_requests_total\{channel="ussd",status_class="2xx"\} 12$/m);
    expect(after).toMatch(/^passerelle_intake_events_total\{event="created"\} 1$/m);
    expect(after).toMatch(/^passerelle_pending_requests\{queue="gbv"\} 1$/m);
    expect(after).toMatch(/^passerelle_oldest_pending_request_age_seconds\{queue="gbv"\} \d/m);
    for (const needle of [CANARY, CANARY.slice(1), CANARY.slice(4), code[1] + code[2], code[0]]) expect(after).not.toContain(needle);
    expect(output).not.toContain(CANARY.slice(4));
  });
});
