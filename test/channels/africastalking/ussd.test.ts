import express from 'express';
import request from 'supertest';
import { createApp } from '../../../src/app';
import { ussdRoute } from '../../../src/channels/africastalking/ussd';
import { ussdRenderer } from '../../../src/channels/africastalking/ussdRenderer';
import { createLogger } from '../../../src/logger';
import first from '../../fixtures/africastalking/ussd-first.json';
import hop from '../../fixtures/africastalking/ussd-hop.json';
import { createTestServer, type TestServer } from '../../support/testServer';
import { UssdSession } from '../../support/ussdSession';

const PATH = '/webhooks/africastalking/ussd';
const { _source: _a, ...FIRST } = first;
const { _source: _b, ...HOP } = hop;

type Form = Record<string, string>;
const without = (form: Form, field: string) => Object.fromEntries(Object.entries(form).filter(([k]) => k !== field));

interface Case {
  label: string;
  /** Requests sent before the one checked, in order. */
  before?: Form[];
  form: Form | string;
  type?: string;
  status: number;
  body: RegExp;
}

let n = 0;
/** A fresh session id per case, so cases never share state. */
const fresh = (form: Form): Form => ({ ...form, sessionId: `${form.sessionId}_${++n}` });

const cases: Case[] = [
  { label: 'first request → welcome', form: FIRST, status: 200, body: /^CON Bienvenue\./ },
  { label: 'missing text → treated as the first request', form: without(FIRST, 'text'), status: 200, body: /^CON Bienvenue/ },
  { label: 'missing sessionId → 400', form: without(FIRST, 'sessionId'), status: 400, body: /sessionId is required/ },
  { label: 'empty sessionId → 400', form: { ...FIRST, sessionId: '  ' }, status: 400, body: /sessionId is required/ },
  { label: 'missing phoneNumber → 400', form: without(FIRST, 'phoneNumber'), status: 400, body: /phoneNumber is required/ },
  { label: 'malformed phoneNumber → 400', form: { ...FIRST, phoneNumber: 'not-a-number' }, status: 400, body: /phoneNumber must be an international number/ },
  { label: 'missing serviceCode → 400', form: without(FIRST, 'serviceCode'), status: 400, body: /serviceCode is required/ },
  { label: 'no body at all → 400', form: {}, status: 400, body: /sessionId is required.*serviceCode is required.*phoneNumber is required/ },
  { label: 'JSON instead of a form → 400', form: JSON.stringify(FIRST), type: 'application/json', status: 400, body: /sessionId is required/ },
  { label: 'unknown extra fields are ignored', form: { ...FIRST, hopCount: '1', region: 'x', 'weird[field]': 'y' }, status: 200, body: /^CON Bienvenue/ },
  { label: 'phone number without +, with spaces → accepted', form: { ...FIRST, phoneNumber: '221 77 000 00 11' }, status: 200, body: /^CON Bienvenue/ },
  { label: 'unknown option → the same screen with a hint', before: [FIRST], form: { ...FIRST, text: '7' }, status: 200, body: /^CON Choix non valide \/ Invalid choice\.\nBienvenue/ },
  { label: 'letters as an answer → hint', before: [FIRST], form: { ...FIRST, text: 'hello' }, status: 200, body: /^CON Choix non valide/ },
  { label: 'very long answer → hint, not an error', before: [FIRST], form: { ...FIRST, text: '9'.repeat(1500) }, status: 200, body: /^CON Choix non valide/ },
  { label: 'text longer than any phone can send → 400', form: { ...FIRST, text: '1*'.repeat(1200) }, status: 400, body: /text is too long/ },
  { label: 'replayed request → the same screen, nothing advances', before: [FIRST, { ...FIRST, text: '1' }], form: { ...FIRST, text: '1' }, status: 200, body: /^CON Menu principal/ },
  { label: 'replayed first request → welcome again', before: [FIRST], form: FIRST, status: 200, body: /^CON Bienvenue/ },
  { label: 'unknown session with a path → offer to resume or start over', form: HOP, status: 200, body: /^CON La session a été coupée\.\n1\. Reprendre\n2\. Recommencer/ },
  { label: 'unknown session whose last answer is 0 → quick exit at once, no offer', form: { ...HOP, text: '1*2*0' }, status: 200, body: /^END Merci\. Au revoir\.$/ },
  { label: 'resume → the path is replayed', before: [HOP], form: { ...HOP, text: '1*2*1' }, status: 200, body: /^CON Nous gardons ce numéro/ },
  { label: 'start over → welcome', before: [HOP], form: { ...HOP, text: '1*2*2' }, status: 200, body: /^CON Bienvenue/ },
  { label: 'resume offer, wrong answer → asked again', before: [HOP], form: { ...HOP, text: '1*2*5' }, status: 200, body: /^CON Choix non valide\.\nLa session a été coupée/ },
  { label: 'resume offer, 0 → quick exit', before: [HOP], form: { ...HOP, text: '1*2*0' }, status: 200, body: /^END Merci\. Au revoir\.$/ },
  { label: 'resume offer, 00 → main menu', before: [HOP], form: { ...HOP, text: '1*2*00' }, status: 200, body: /^CON Menu principal/ },
  { label: 'two answers in one hop → both applied', before: [FIRST], form: { ...FIRST, text: '1*2' }, status: 200, body: /^CON Nous gardons ce numéro/ },
  { label: 'a path that does not extend the known one → last answer counts', before: [FIRST, { ...FIRST, text: '1' }], form: { ...FIRST, text: '9*1' }, status: 200, body: /^CON Quel besoin/ },
  { label: 'quick exit → END', before: [FIRST], form: { ...FIRST, text: '0' }, status: 200, body: /^END Merci\. Au revoir\.$/ },
  { label: 'after the end, a new answer → END, nothing shown again', before: [FIRST, { ...FIRST, text: '0' }], form: { ...FIRST, text: '0*1' }, status: 200, body: /^END Merci\. Au revoir\.$/ },
  { label: 'empty text on a known session → the current screen, nothing advances', before: [FIRST, { ...FIRST, text: '1' }], form: FIRST, status: 200, body: /^CON Menu principal/ },
  {
    label: 'a late copy of the hop before → the current screen, not a new answer',
    before: [FIRST, { ...FIRST, text: '1' }, { ...FIRST, text: '1*2' }],
    form: { ...FIRST, text: '1' },
    status: 200,
    body: /^CON Nous gardons ce numéro/,
  },
  {
    label: 'an answer with `*` typed inside → each part read in turn, wrong parts hinted',
    before: [FIRST, { ...FIRST, text: '1' }, { ...FIRST, text: '1*5' }],
    form: { ...FIRST, text: '1*5*2345*6789' },
    status: 200,
    body: /^CON Code non valide/,
  },
  {
    label: 'quick exit on a keypad input screen → END',
    before: [FIRST, { ...FIRST, text: '1' }, { ...FIRST, text: '1*5' }],
    form: { ...FIRST, text: '1*5*0' },
    status: 200,
    body: /^END Merci\. Au revoir\.$/,
  },
];

describe('POST /webhooks/africastalking/ussd', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  test.each(cases)('$label', async ({ before = [], form, type, status, body }) => {
    const session = `S${++n}`;
    const withSession = (f: Form) => (f.sessionId?.trim() ? { ...f, sessionId: `${f.sessionId}_${session}` } : f);
    for (const earlier of before) {
      const res = await request(t.server.app).post(PATH).type('form').send(withSession(earlier));
      expect(res.status).toBe(200);
    }
    const req = request(t.server.app).post(PATH);
    const res = typeof form === 'string' ? await req.set('Content-Type', type ?? 'text/plain').send(form) : await req.type('form').send(withSession(form));
    expect(res.status).toBe(status);
    expect(res.text).toMatch(body);
    if (status === 200) {
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text.length).toBeLessThanOrEqual(182);
    }
  });

  it('a 4xx changes nothing: no session is created', async () => {
    const intakes = await t.server.prisma.intake.count();
    const sessions = await t.sessionCount();
    const res = await request(t.server.app)
      .post(PATH)
      .type('form')
      .send(without(fresh(FIRST), 'phoneNumber'));
    expect(res.status).toBe(400);
    expect(await t.server.prisma.intake.count()).toBe(intakes);
    expect(await t.sessionCount()).toBe(sessions);
  });

  it('an oversized body → 413 and the server keeps serving', async () => {
    const res = await request(t.server.app)
      .post(PATH)
      .type('form')
      .send({ ...FIRST, text: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    const ok = await request(t.server.app).post(PATH).type('form').send(fresh(FIRST));
    expect(ok.status).toBe(200);
  });

  it('a malformed form body → 400', async () => {
    const res = await request(t.server.app).post(PATH).set('Content-Type', 'application/x-www-form-urlencoded; charset=ebcdic').send('sessionId=1');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('two concurrent copies of one hop are answered alike and advance the session once', async () => {
    const form = fresh(FIRST);
    await request(t.server.app).post(PATH).type('form').send(form);
    const [a, b] = await Promise.all(
      [1, 2].map(() =>
        request(t.server.app)
          .post(PATH)
          .type('form')
          .send({ ...form, text: '1' }),
      ),
    );
    expect(a.text).toBe(b.text);
    const next = await request(t.server.app)
      .post(PATH)
      .type('form')
      .send({ ...form, text: '1*1' });
    expect(next.text).toMatch(/^CON Quel besoin/);
  });
});

describe('USSD sessions that ended', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  /** fr, callback, next, consent, safe: yes, for me, French, a woman, morning, health centre, confirm. */
  const CALLBACK = ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'];

  it('a retried final hop gets its reply; an empty path or a new answer afterwards shows nothing of it', async () => {
    const phone = new UssdSession(t.server.app, '+221770000091');
    await phone.dial();
    let done = '';
    for (const answer of CALLBACK) done = await phone.send(answer);
    expect(done).toMatch(/^END Demande enregistrée\.\nCode : /);
    expect((await phone.post(phone.form())).text).toBe(done);
    for (const text of ['', `${phone.answers.join('*')}*1`, '1']) {
      const res = await phone.post(phone.form(text));
      expect({ text, reply: res.text }).toEqual({ text, reply: 'END Merci. Au revoir.' });
    }
  });

  it('a late copy of an earlier hop does not move the session: the next answer lands where the person is', async () => {
    const phone = new UssdSession(t.server.app, '+221770000092');
    await phone.dial();
    await phone.send('1');
    expect(await phone.send('2')).toMatch(/^CON Nous gardons ce numéro/);
    // The copy of hop "1" arrives late, after hop "1*2".
    expect((await phone.post(phone.form('1'))).text).toMatch(/^CON Nous gardons ce numéro/);
    expect(await phone.send('1')).toMatch(/^CON Pouvons-nous vous appeler à ce numéro/);
  });
});

describe('USSD with AT_WEBHOOK_SECRET', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ AT_WEBHOOK_SECRET: 's3cret-value' });
  });
  afterAll(async () => {
    await t.close();
  });

  test.each([
    ['missing secret → 403', PATH, 403],
    ['wrong secret → 403', `${PATH}?secret=nope`, 403],
    ['right secret → 200', `${PATH}?secret=s3cret-value`, 200],
  ])('%s', async (_label, url, status) => {
    const res = await request(t.server.app).post(url).type('form').send(fresh(FIRST));
    expect(res.status).toBe(status);
  });

  it('never logs the secret', async () => {
    await request(t.server.app).post(`${PATH}?secret=s3cret-value`).type('form').send(fresh(FIRST));
    expect(t.logs.join('')).not.toContain('s3cret-value');
  });
});

describe('an unexpected error', () => {
  it('→ 500 without internals, logged without personal data, and the next request is served', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    let fail = true;
    const app = createApp({
      logger,
      channels: {},
      simulator: false,
      channelRoutes: express.Router().use(
        PATH,
        ussdRoute({
          guard: (_req, _res, next) => next(),
          renderer: ussdRenderer,
          forget: async () => undefined,
          handle: async () => {
            if (fail) {
              fail = false;
              throw new Error('database exploded while handling +221770000011');
            }
            return { end: true, body: ['ok'], items: [], options: [], nav: [] };
          },
        }),
      ),
    });
    const res = await request(app).post(PATH).type('form').send(FIRST);
    expect(res.status).toBe(500);
    expect(res.text).toBe('internal error');
    expect(lines.join('')).toContain('"type":"Error"');
    expect(lines.join('')).not.toContain('770000011');
    const next = await request(app).post(PATH).type('form').send(FIRST);
    expect(next.status).toBe(200);
    expect(next.text).toBe('END ok');
  });
});
