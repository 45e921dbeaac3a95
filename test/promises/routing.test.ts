import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, queueFor } from '../../src/config';
import { createTestServer, TEST_ENV } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Children reach child protection, migrants reach migrant protection, and no region
 * is a dead end. A French callback request over USSD still takes no more than 11 answers.
 */
describe('who a request reaches', () => {
  /** fr, callback, consent, safe, then the topic and who it is for, then French, a woman, morning, health centre, confirm. */
  async function request(phone: UssdSession, subject: string, topic: string): Promise<{ answers: number; done: string }> {
    await phone.dial();
    const answers = ['1', '2', '1', '1', topic, subject, '1', '1', '1', '1', '1'];
    let done = '';
    for (const answer of answers) done = await phone.send(answer);
    return { answers: answers.length, done };
  }

  it('an under-18 "for me" request lands in the child-protection queue; a migrant request in migrant protection; in 11 answers', async () => {
    const t = await createTestServer();
    try {
      const minor = await request(new UssdSession(t.server.app, '+221770000901'), '2', '7');
      const migrant = await request(new UssdSession(t.server.app, '+221770000902'), '1', '6');
      const adult = await request(new UssdSession(t.server.app, '+221770000903'), '1', '7');
      for (const r of [minor, migrant, adult]) {
        expect(r.done).toMatch(/^END Demande enregistrée/);
        expect(r.answers).toBeLessThanOrEqual(11);
      }
      const rows = await t.server.prisma.intake.findMany({ orderBy: { createdAt: 'asc' }, select: { subject: true, topic: true, queue: true } });
      expect(rows).toEqual([
        { subject: 'self_minor', topic: 'none', queue: 'child_protection' },
        { subject: 'self', topic: 'migrants', queue: 'migrant_protection' },
        { subject: 'self', topic: 'none', queue: 'gbv' },
      ]);
    } finally {
      await t.close();
    }
  });

  it('carries the need chosen in the information flow over to the request instead of asking again', async () => {
    const t = await createTestServer();
    try {
      const phone = new UssdSession(t.server.app, '+221770000904');
      await phone.dial();
      // fr, information, help for migrants, first region, the list; home, callback, consent, safe, for me: the topic is not asked.
      for (const answer of ['1', '1', '6', '1', '00', '2', '1', '1']) await phone.send(answer);
      expect(await phone.send('1')).toMatch(/^CON En quelle langue vous appeler/);
      for (const answer of ['1', '1', '1']) await phone.send(answer);
      expect(await phone.send('1')).toMatch(/^CON Rappel le matin \(8h-12h\) en Francais\nSujet : aide aux migrants/);
      // "Modifier" asks the topic again, then who it is for; 98 on the way back shows the confirmation as it was.
      expect(await phone.send('2')).toMatch(/^CON Sujet de l'appel/);
      expect(await phone.send('98')).toMatch(/^CON Rappel le matin \(8h-12h\) en Francais\nSujet : aide aux migrants/);
      expect(await phone.send('2')).toMatch(/^CON Sujet de l'appel/);
      expect(await phone.send('2')).toMatch(/^CON Pour qui est cette demande/);
    } finally {
      await t.close();
    }
  });

  it('routes by subject and by topic as QUEUE_ROUTES says; children and under-18s always by their own route; unknown routes refused', () => {
    // A topic route listed first does not take a child away from child protection.
    const first = loadConfig({ QUEUE_ROUTES: 'topic:migrants=migrants_dakar,child=enfance,default=vbg' });
    expect(queueFor(first, 'child', 'migrants')).toBe('enfance');
    expect(queueFor(first, 'self_minor', 'migrants')).toBe('enfance');
    expect(queueFor(first, 'other', 'migrants')).toBe('migrants_dakar');
    expect(() => loadConfig({ QUEUE_ROUTES: 'self-minor=enfance,default=vbg' })).toThrow(/QUEUE_ROUTES: unknown route "self-minor"/);
    expect(() => loadConfig({ QUEUE_ROUTES: 'topic:migrant=x,default=vbg' })).toThrow(/unknown route "topic:migrant"/);
    expect(() => loadConfig({ QUEUE_ROUTES: 'child=Enfance Dakar,default=vbg' })).toThrow(/lower-case code/);
    const config = loadConfig({ QUEUE_ROUTES: 'child=enfance,topic:migrants=migrants_dakar,topic:legal=juridique,default=vbg' });
    expect(queueFor(config, 'self_minor', 'migrants')).toBe('enfance');
    expect(queueFor(config, 'child', null)).toBe('enfance');
    expect(queueFor(config, 'self', 'migrants')).toBe('migrants_dakar');
    expect(queueFor(config, 'other', 'legal')).toBe('juridique');
    expect(queueFor(config, 'self', 'none')).toBe('vbg');
    expect(queueFor(loadConfig({}), 'self_minor', 'migrants')).toBe('child_protection');
  });
});

describe('no dead ends', () => {
  it('a region without a service offers the helpline and a callback request', async () => {
    const t = await createTestServer();
    try {
      const phone = new UssdSession(t.server.app, '+221770000905');
      await phone.dial();
      // fr, information, legal aid, a region of the demo directory without legal aid.
      for (const answer of ['1', '1', '3']) await phone.send(answer);
      const none = await phone.send('3');
      expect(none).toMatch(/^CON Aucun service connu dans cette région pour l'instant\. Ligne d'écoute gratuite : 116\n1\. Demander un rappel\n2\. Une autre région/);
      expect(await phone.send('1')).toMatch(/^CON Nous gardons ce numéro/);
    } finally {
      await t.close();
    }
  });

  it('production does not start with an empty service directory, and says which command imports one', async () => {
    await expect(createTestServer({ NODE_ENV: 'production' }, { emptyDirectory: true })).rejects.toThrow(/directory is empty.*passerelle directory import/);
    // `npm start` itself: one line on stderr, exit 1.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-empty-'));
    const main = path.join(__dirname, '..', '..', 'src', 'main.ts');
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const env = { ...process.env, ...TEST_ENV, NODE_ENV: 'production', PORT: '0', DATABASE_URL: `file:${path.join(dir, 'p.db')}`, DATA_DIR: dir };
    await expect(promisify(execFile)(tsx, [main], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^The service directory is empty \(no region, or no service\): import one before starting in production \(npx passerelle directory import FILE/),
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
