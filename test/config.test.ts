import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { configWarnings, loadConfig, primeroModules, queueFor } from '../src/config';

/** A Primero hand-off that starts: the default routes' three queues each have a module. */
const PRIMERO: Record<string, string | undefined> = {
  HANDOFF_ADAPTER: 'primero',
  PRIMERO_URL: 'https://primero.example.org',
  PRIMERO_USERNAME: 'passerelle-api',
  PRIMERO_PASSWORD: 'a-long-password',
  PRIMERO_MODULES: 'migrant_protection=primeromodule-cp',
};

describe('loadConfig', () => {
  it('gives defaults that serve a local trial', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      NODE_ENV: 'development',
      DATABASE_URL: 'file:./data/passerelle.db',
      LANGUAGES: ['fr', 'en', 'wo', 'bm'],
      SHOW_DRAFT_STRINGS: true,
      INTAKE_TTL_HOURS: 72,
      MAX_OPEN_REQUESTS: 2,
    });
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

  it('picks the hand-off adapter: webhook when a webhook URL is set, else the built-in queue, unless HANDOFF_ADAPTER says', () => {
    expect(loadConfig({}).HANDOFF_ADAPTER).toBe('queue');
    expect(loadConfig({ HANDOFF_WEBHOOK_URL: 'https://cms.example.org/hook', HANDOFF_WEBHOOK_SECRET: 's' }).HANDOFF_ADAPTER).toBe('webhook');
    expect(loadConfig({ HANDOFF_ADAPTER: 'queue', HANDOFF_WEBHOOK_URL: 'https://cms.example.org/hook', HANDOFF_WEBHOOK_SECRET: 's' }).HANDOFF_ADAPTER).toBe('queue');
    const primero = loadConfig({ ...PRIMERO, PRIMERO_URL: 'https://primero.example.org/' });
    expect(primero).toMatchObject({ HANDOFF_ADAPTER: 'primero', PRIMERO_TIMEOUT_SECONDS: 15 });
    expect(primeroModules(primero)).toEqual({ gbv: 'primeromodule-gbv', child_protection: 'primeromodule-cp', migrant_protection: 'primeromodule-cp' });
    expect(primeroModules(loadConfig({ ...PRIMERO, PRIMERO_MODULES: 'gbv=primeromodule-gbv-sn,migrant_protection=primeromodule-mp' }))).toEqual({
      gbv: 'primeromodule-gbv-sn',
      child_protection: 'primeromodule-cp',
      migrant_protection: 'primeromodule-mp',
    });
    // Without migrant_protection in the routes, the defaults do.
    expect(loadConfig({ ...PRIMERO, PRIMERO_MODULES: undefined, QUEUE_ROUTES: 'child=child_protection,default=gbv' }).HANDOFF_ADAPTER).toBe('primero');
  });

  it.each([
    { label: 'an unknown adapter', env: { HANDOFF_ADAPTER: 'email' }, error: /HANDOFF_ADAPTER: queue, webhook or primero/ },
    { label: 'webhook without a URL', env: { HANDOFF_ADAPTER: 'webhook' }, error: /HANDOFF_WEBHOOK_URL: required when HANDOFF_ADAPTER is webhook/ },
    { label: 'primero without a URL', env: { ...PRIMERO, PRIMERO_URL: undefined }, error: /PRIMERO_URL: required when HANDOFF_ADAPTER is primero/ },
    { label: 'primero without a user', env: { ...PRIMERO, PRIMERO_USERNAME: '' }, error: /PRIMERO_USERNAME: required/ },
    { label: 'primero without a password', env: { ...PRIMERO, PRIMERO_PASSWORD: undefined }, error: /PRIMERO_PASSWORD: required/ },
    { label: 'a URL that is not one', env: { ...PRIMERO, PRIMERO_URL: 'primero.example.org' }, error: /PRIMERO_URL:/ },
    { label: 'http in production', env: { ...PRIMERO, NODE_ENV: 'production', PRIMERO_URL: 'http://primero.example.org' }, error: /PRIMERO_URL: must be https in production/ },
    { label: 'credentials in the URL', env: { ...PRIMERO, PRIMERO_URL: 'https://api:secret@primero.example.org' }, error: /PRIMERO_URL: must not hold credentials/ },
    { label: 'the API path in the URL', env: { ...PRIMERO, PRIMERO_URL: 'https://primero.example.org/api/v2/' }, error: /PRIMERO_URL: Primero's address without \/api\/v2/ },
    { label: 'a routed queue without a module', env: { ...PRIMERO, PRIMERO_MODULES: undefined }, error: /PRIMERO_MODULES: no Primero module for queue "migrant_protection"/ },
    { label: 'a custom queue without a module', env: { ...PRIMERO, QUEUE_ROUTES: 'topic:legal=legal_aid,default=gbv' }, error: /PRIMERO_MODULES: no Primero module for queue "legal_aid"/ },
    { label: 'a module pair that is not one', env: { ...PRIMERO, PRIMERO_MODULES: 'migrant_protection' }, error: /PRIMERO_MODULES: expected name=value/ },
    { label: 'a module id with spaces', env: { ...PRIMERO, PRIMERO_MODULES: 'migrant_protection=primero cp' }, error: /PRIMERO_MODULES: expected queue=module_id/ },
    { label: 'a field mapping for something never sent', env: { ...PRIMERO, PRIMERO_FIELDS: 'cover=passerelle_cover' }, error: /PRIMERO_FIELDS: "cover" cannot be sent/ },
    { label: 'a field mapping onto a field Passerelle fills', env: { ...PRIMERO, PRIMERO_FIELDS: 'label=telephone_current' }, error: /PRIMERO_FIELDS: "telephone_current" is filled by Passerelle/ },
    { label: 'a language without its lookup id', env: { ...PRIMERO, LANGUAGES: 'fr,en', PRIMERO_LANGUAGES: 'fr=language1' }, error: /PRIMERO_LANGUAGES: no lookup id for en/ },
    { label: 'a timeout too long', env: { ...PRIMERO, PRIMERO_TIMEOUT_SECONDS: '600' }, error: /PRIMERO_TIMEOUT_SECONDS:/ },
  ])('refuses to start with $label, naming the variable', ({ env, error }) => {
    expect(() => loadConfig(env)).toThrow(error);
  });

  it('reads an empty value (`PORT=` in a .env file) as not set', () => {
    expect(loadConfig({ PORT: '', MAX_OPEN_REQUESTS: ' ', LANGUAGES: '', SHOW_DRAFT_STRINGS: '' })).toMatchObject({
      PORT: 3000,
      MAX_OPEN_REQUESTS: 2,
      LANGUAGES: ['fr', 'en', 'wo', 'bm'],
      SHOW_DRAFT_STRINGS: true,
    });
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
