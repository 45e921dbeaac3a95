import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { configWarnings, loadConfig, queueFor } from '../src/config';

describe('loadConfig', () => {
  it('gives defaults that serve a local trial', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, NODE_ENV: 'development', DATABASE_URL: 'file:./data/passerelle.db', LANGUAGES: ['fr', 'en', 'wo', 'bm'], SHOW_DRAFT_STRINGS: true, INTAKE_TTL_HOURS: 72, MAX_OPEN_REQUESTS: 2 });
    expect(queueFor(config, 'child')).toBe('child_protection');
    expect(queueFor(config, 'self')).toBe('gbv');
  });

  it('offers reviewed languages only in production, never showing drafts unless told', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ LANGUAGES: ['fr', 'en'], SHOW_DRAFT_STRINGS: false });
    expect(loadConfig({ NODE_ENV: 'production', SHOW_DRAFT_STRINGS: 'true' }).SHOW_DRAFT_STRINGS).toBe(true);
  });

  it.each([
    ['SHOW_DRAFT_STRINGS', { SHOW_DRAFT_STRINGS: 'maybe' }],
    ['PORT', { PORT: 'eighty' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['REDIS_URL', { REDIS_URL: 'http://cache:6379' }],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'not a url' }],
    ['LANGUAGES', { LANGUAGES: 'fr,EN!' }],
    ['EMERGENCY_NUMBERS', { EMERGENCY_NUMBERS: 'Police' }],
    ['QUEUE_ROUTES', { QUEUE_ROUTES: 'child=cp' }],
    ['INTAKE_TTL_HOURS', { INTAKE_TTL_HOURS: '0' }],
    ['USSD_SERVICE_CODE', { USSD_SERVICE_CODE: '384' }],
  ])('names %s when its value is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`Invalid configuration:\\n  ${name}:`));
  });

  it('takes PostgreSQL and Redis by URL, and warns when PostgreSQL runs without Redis (one instance only then)', () => {
    const scale = loadConfig({ DATABASE_URL: 'postgresql://passerelle@db.internal/passerelle', REDIS_URL: 'redis://cache.internal:6379' });
    expect(scale).toMatchObject({ DATABASE_URL: 'postgresql://passerelle@db.internal/passerelle', REDIS_URL: 'redis://cache.internal:6379', REDIS_PREFIX: 'passerelle:' });
    expect(configWarnings(scale)).toEqual([]);
    expect(configWarnings(loadConfig({ DATABASE_URL: 'postgres://db.internal/passerelle' })).map((w) => w.variable)).toEqual(['REDIS_URL']);
    expect(configWarnings(loadConfig({}))).toEqual([]);
  });

  it('needs a secret with a hand-off webhook, and https in production', () => {
    expect(() => loadConfig({ HANDOFF_WEBHOOK_URL: 'https://cms.example.org/hook' })).toThrow(/HANDOFF_WEBHOOK_SECRET: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', HANDOFF_WEBHOOK_URL: 'http://cms.example.org/hook', HANDOFF_WEBHOOK_SECRET: 's' })).toThrow(/must be https/);
    expect(loadConfig({ HANDOFF_WEBHOOK_URL: 'https://cms.example.org/hook', HANDOFF_WEBHOOK_SECRET: 's' }).HANDOFF_WEBHOOK_SECRET).toBe('s');
  });

  it('reads an empty value (`PORT=` in a .env file) as not set', () => {
    expect(loadConfig({ PORT: '', MAX_OPEN_REQUESTS: ' ', LANGUAGES: '', SHOW_DRAFT_STRINGS: '' })).toMatchObject({ PORT: 3000, MAX_OPEN_REQUESTS: 2, LANGUAGES: ['fr', 'en', 'wo', 'bm'], SHOW_DRAFT_STRINGS: true });
  });

  it('parses lists and pairs', () => {
    const config = loadConfig({ EMERGENCY_NUMBERS: 'Police=17; SAMU=1515', LANGUAGES: 'wo, fr', QUEUE_ROUTES: 'other=x,default=y' });
    expect(config.EMERGENCY_NUMBERS).toEqual([
      { name: 'Police', value: '17' },
      { name: 'SAMU', value: '1515' },
    ]);
    expect(config.LANGUAGES).toEqual(['wo', 'fr']);
    expect(queueFor(config, 'child')).toBe('y');
  });

  it('stops `npm start` with a message naming the variable', async () => {
    const main = path.join(__dirname, '..', 'src', 'main.ts');
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    await expect(promisify(execFile)(tsx, [main], { env: { ...process.env, PORT: 'eighty' } })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('PORT:'),
    });
  });

  it('refuses to start in production without keys', async () => {
    const main = path.join(__dirname, '..', 'src', 'main.ts');
    const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
    await expect(
      promisify(execFile)(tsx, [main], { env: { ...process.env, NODE_ENV: 'production', DATA_KEYS: '', HASH_KEY: '', DATABASE_URL: 'file:/tmp/passerelle-never-created/x.db' } }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('DATA_KEYS and HASH_KEY are required in production') });
  });
});
