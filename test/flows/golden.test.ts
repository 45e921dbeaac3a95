import fs from 'node:fs';
import path from 'node:path';
import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Golden conversations: whole USSD sessions, every screen locked in
 * `test/flows/golden/<scenario>.<lang>.json`. Run with UPDATE_GOLDEN=1 to rewrite
 * them on purpose; `git diff` then shows what changed for the person on the phone.
 */
const GOLDEN_DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Scenario {
  name: string;
  /** One entry per USSD session; each lists the answers after dialling (language choice first). */
  sessions: Array<{ phone?: string; answers: string[] }>;
}

// LANG stands for the language choice (1 = Français, 2 = English); REFERENCE for the latest intake's code.
const scenarios: Scenario[] = [
  { name: 'welcome', sessions: [{ answers: ['7', 'LANG', '9', '0'] }] },
  { name: 'danger', sessions: [{ answers: ['LANG', '3'] }] },
  { name: 'privacy', sessions: [{ answers: ['LANG', '4', '1', '1', '0'] }] },
  {
    name: 'info',
    sessions: [
      // medical care: the 72-hour screen, a region with two services paged, back, another region
      { answers: ['LANG', '1', '1', '1', '1', '99', '99', '98', '98', '2', '0'] },
      // legal aid in a region without any: the empty list
      { answers: ['LANG', '1', '3', '3', '00', '0'] },
    ],
  },
  {
    name: 'callback',
    sessions: [
      // about child protection, for a child, caller a woman, in the evening, cover "a friend"
      { answers: ['LANG', '2', '1', '1', '5', '3', '1', '1', '3', '2', '1'] },
    ],
  },
  {
    name: 'callback-safer-number',
    sessions: [{ phone: '+221770000002', answers: ['LANG', '2', '1', '2', '12', '77 000 00 03', '7', '1', '2', '3', '4', '3', '2', '98', '2', '7', '1', '1', '1', '1', '1', '1'] }],
  },
  { name: 'callback-unsafe', sessions: [{ answers: ['LANG', '2', '1', '3', '1', '1', '0'] }] },
  { name: 'callback-declined', sessions: [{ answers: ['LANG', '2', '2'] }] },
  // for me, under 18: the child-protection queue (test/promises/routing.test.ts)
  { name: 'callback-minor', sessions: [{ phone: '+221770000007', answers: ['LANG', '2', '1', '1', '7', '2', '1', '1', '1', '1', '1'] }] },
  // about help as a migrant: the migrant-protection queue
  { name: 'callback-migrant', sessions: [{ phone: '+221770000008', answers: ['LANG', '2', '1', '1', '6', '1', '1', '1', '1', '1', '1'] }] },
  // from the information flow (help for migrants), then a callback: the need is carried over, not asked again
  { name: 'info-then-callback', sessions: [{ phone: '+221770000009', answers: ['LANG', '1', '6', '1', '00', '2', '1', '1', '1', '1', '1', '1', '1', '1'] }] },
  {
    name: 'callback-limit',
    sessions: [
      { phone: '+221770000004', answers: ['LANG', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'] },
      { phone: '+221770000004', answers: ['LANG', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'] },
      { phone: '+221770000004', answers: ['LANG', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'] },
    ],
  },
  {
    name: 'feedback',
    sessions: [
      // useful, respectful: thanks, and the session ends
      { answers: ['LANG', '6', '1', '1'] },
      // a wrong answer, back to change the first one, then "partly" and "not called back"
      { answers: ['LANG', '6', '4', '3', '98', '2', '3'] },
      // the quick exit on a question: nothing counted
      { answers: ['LANG', '6', '1', '0'] },
    ],
  },
  {
    name: 'cancel',
    sessions: [
      { phone: '+221770000005', answers: ['LANG', '2', '1', '1', '1', '1', '1', '1', '1', '1', '1'] },
      // a wrong code, a code of nobody's request, then the right one (the seeded random source makes it stable)
      { phone: '+221770000006', answers: ['LANG', '5', '123', '2222 2222', '1', 'REFERENCE'] },
    ],
  },
];

interface Exchange {
  send: string | null;
  reply: string;
}

async function play(t: TestServer, scenario: Scenario, language: '1' | '2'): Promise<Exchange[][]> {
  const transcript: Exchange[][] = [];
  // The person's code is only ever on their screen (the database keeps its keyed hash): read it there.
  let lastCode = '';
  for (const session of scenario.sessions) {
    const phone = new UssdSession(t.server.app, session.phone ?? '+221770000001');
    const exchanges: Exchange[] = [{ send: null, reply: await phone.dial() }];
    for (const raw of session.answers) {
      let answer = raw === 'LANG' ? language : raw;
      if (answer === 'REFERENCE') answer = lastCode;
      const reply = await phone.send(answer);
      const shown = /\b([2-9]{4}) ([2-9]{4})\b/.exec(reply);
      if (reply.startsWith('END ') && shown) lastCode = shown[1] + shown[2];
      exchanges.push({ send: raw, reply });
      if (reply.startsWith('END ')) break;
    }
    transcript.push(exchanges);
  }
  return transcript;
}

describe.each([
  ['fr', '1'],
  ['en', '2'],
] as const)('golden conversations in %s', (lang, language) => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (name, scenario) => {
    const t = await createTestServer();
    try {
      const transcript = await play(t, scenario, language);
      const file = path.join(GOLDEN_DIR, `${name}.${lang}.json`);
      if (UPDATE || !fs.existsSync(file)) {
        fs.mkdirSync(GOLDEN_DIR, { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify({ scenario: name, lang, sessions: transcript }, null, 2)}\n`);
        if (!UPDATE) throw new Error(`golden file ${file} was missing and has been written: check it and run again`);
      }
      const golden = JSON.parse(fs.readFileSync(file, 'utf8'));
      expect(transcript).toEqual(golden.sessions);
      for (const exchange of transcript.flat()) expect(exchange.reply.length).toBeLessThanOrEqual(182);
    } finally {
      await t.close();
    }
  });
});
