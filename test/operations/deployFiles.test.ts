import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import request from 'supertest';
import { freePort } from '../../scripts/scale/services';
import { DEPLOY, nginxMain, run, selfSignedCertificate } from '../support/deployTools';
import { loadConfig } from '../../src/config';
import { createTestServer, type TestServer } from '../support/testServer';

/**
 * The files docs/deploy.md ships, checked by the tools that will read them: systemd's
 * `systemd-analyze verify` for the unit, and nginx itself, configured as shipped (only its
 * ports, certificate and log folder moved into a temporary folder) in front of a real
 * server.
 */
describe('deploy/passerelle.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    let unit = path.join(DEPLOY, 'passerelle.service');
    if (!fs.existsSync('/usr/bin/node')) {
      // Node elsewhere on this machine: the same unit, ExecStart pointing at it.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-unit-'));
      const copy = path.join(dir, 'passerelle.service');
      fs.writeFileSync(copy, fs.readFileSync(unit, 'utf8').replace('/usr/bin/node', process.execPath));
      unit = copy;
    }
    const { stderr } = await run('systemd-analyze', ['verify', unit]);
    expect(stderr).toBe('');
  });

  it('has backup units that pass systemd-analyze verify, keeping copies 72 hours', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-units-'));
    for (const name of ['passerelle-backup.service', 'passerelle-backup.timer']) {
      fs.writeFileSync(path.join(dir, name), fs.readFileSync(path.join(DEPLOY, name), 'utf8').replaceAll('/usr/bin/node', fs.existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath));
    }
    const { stderr } = await run('systemd-analyze', ['verify', path.join(dir, 'passerelle-backup.service'), path.join(dir, 'passerelle-backup.timer')]);
    expect(stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'passerelle-backup.service'), 'utf8')).toMatch(/-mmin \+4320 -delete/);
  });

  it('ships a settings file that a shell and the server both read, valid for production once the secrets are filled in', async () => {
    const example = path.join(DEPLOY, 'passerelle.env.example');
    // passerelle-cli reads it with the shell, as systemd's EnvironmentFile= reads it for the service.
    const { stdout } = await run('sh', ['-c', `set -a; . "${example}"; set +a; env -0`], { env: {} });
    const env = Object.fromEntries(
      stdout
        .split('\0')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({ NODE_ENV: 'production', EMERGENCY_NUMBERS: 'Police=17;Pompiers=18', USSD_SERVICE_CODE: '*384*123#', TRUST_PROXY: 'loopback' });
    const filled = {
      ...env,
      DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      HASH_KEY: Buffer.alloc(32, 2).toString('base64'),
      AT_WEBHOOK_SECRET: 'a'.repeat(32),
      TELEGRAM_WEBHOOK_SECRET: 'b'.repeat(32),
      METRICS_TOKEN: 'c'.repeat(32),
    };
    const config = loadConfig(filled);
    expect(config).toMatchObject({
      NODE_ENV: 'production',
      TRUST_PROXY: ['loopback'],
      DATABASE_URL: 'file:/var/lib/passerelle/passerelle.db',
      EMERGENCY_NUMBERS: [
        { name: 'Police', value: '17' },
        { name: 'Pompiers', value: '18' },
      ],
    });
    await run('sh', ['-n', path.join(DEPLOY, 'passerelle-cli')]);
  });

  it('runs the compiled server as an unprivileged user, restarts it on failure, and keeps its files private', () => {
    const unit = fs.readFileSync(path.join(DEPLOY, 'passerelle.service'), 'utf8');
    // The Node.js flags of `npm start`, no more and no fewer.
    const { startFlags } = require('../../scripts/startFlags') as { startFlags(): string[] };
    expect(unit).toContain(`\nExecStart=/usr/bin/node ${[...startFlags(), '/opt/passerelle/scripts/start.js'].join(' ')}\n`);
    expect(unit).toMatch(/^User=passerelle$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^UMask=0077$/m);
    expect(unit).toMatch(/^StateDirectoryMode=0700$/m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/passerelle\/passerelle\.env$/m);
  });
});

describe('deploy/nginx/passerelle.conf in front of Passerelle', () => {
  let dir: string;
  let t: TestServer;
  let server: Server;
  let ports: { http: number; https: number };
  let nginxRunning = false;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-nginx-'));
    t = await createTestServer({ TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '2' });
    const appPort = await freePort();
    server = t.server.app.listen(appPort, '127.0.0.1');
    ports = { http: await freePort(), https: await freePort() };
    const { cert, key } = await selfSignedCertificate(dir, 'passerelle.example.org');
    const site = fs
      .readFileSync(path.join(DEPLOY, 'nginx', 'passerelle.conf'), 'utf8')
      .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${appPort};`)
      .replace(/listen 80;/, `listen 127.0.0.1:${ports.http};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${ports.https} ssl http2;`)
      .replace(/\s*listen \[::\]:\d+[^;]*;/g, '')
      .replace('/etc/letsencrypt/live/passerelle.example.org/fullchain.pem', cert)
      .replace('/etc/letsencrypt/live/passerelle.example.org/privkey.pem', key)
      .replaceAll('/var/log/nginx/', `${dir}/logs/`)
      .replace('/var/www/letsencrypt', dir);
    fs.writeFileSync(path.join(dir, 'passerelle.conf'), site);
    nginxMain(dir, path.join(dir, 'passerelle.conf'));
  });
  afterAll(async () => {
    if (nginxRunning) await run('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-s', 'stop']).catch(() => undefined);
    await new Promise((resolve) => server?.close(resolve));
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is accepted by nginx -t', async () => {
    const { stderr } = await run('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')]);
    expect(stderr).toMatch(/syntax is ok/);
    expect(stderr).toMatch(/test is successful/);
  });

  it('redirects plain HTTP, serves TLS, replaces a forged X-Forwarded-For and logs no query string', async () => {
    await run('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')]);
    nginxRunning = true;
    const redirect = await request(`http://127.0.0.1:${ports.http}`).get('/healthz').set('Host', 'passerelle.example.org');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('https://passerelle.example.org/healthz');

    const agent = new https.Agent({ rejectUnauthorized: false });
    const tls = (route: string) => request(`https://127.0.0.1:${ports.https}`).get(route).agent(agent).set('Host', 'passerelle.example.org');
    const health = await tls('/healthz');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');

    // Three failed console logins claiming three different addresses: nginx passes on the
    // address it saw, so the server counts them as one client, and the third is limited.
    const statuses = [];
    for (const forged of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      statuses.push(
        (
          await request(`https://127.0.0.1:${ports.https}`)
            .post('/console/login')
            .agent(agent)
            .set('Host', 'passerelle.example.org')
            .set('X-Forwarded-For', forged)
            .type('form')
            .send({ name: 'x', password: 'y', _csrf: 'z' })
        ).status,
      );
    }
    expect(statuses).toEqual([400, 400, 429]);

    await request(`https://127.0.0.1:${ports.https}`).post('/webhooks/africastalking/ussd?secret=CANARYxSECRET').agent(agent).set('Host', 'passerelle.example.org').type('form').send({});
    // nginx writes its access log as requests end; give it a moment to reach the file.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const log = fs.readFileSync(path.join(dir, 'logs', 'passerelle.access.log'), 'utf8');
    expect(log).toMatch(/POST \/webhooks\/africastalking\/ussd \d{3}/);
    expect(log).not.toContain('CANARYxSECRET');
    expect(log).not.toContain('127.0.0.1');
  });
});
