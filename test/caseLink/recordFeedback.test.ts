import { isoWeek, weeksOf } from '../../src/caseLink/isoWeek';
import { FEEDBACK_ANSWERS, FEEDBACK_QUESTIONS, recordFeedback, type FeedbackAnswer } from '../../src/caseLink/recordFeedback';
import { loadFlow } from '../../src/flows/loadFlow';
import type { PrismaClient } from '../../src/db';
import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

describe('isoWeek', () => {
  const cases = [
    { label: 'a Wednesday', at: '2026-12-02T12:00:00Z', week: '2026-W49' },
    { label: 'a Monday just after midnight UTC', at: '2026-11-30T00:00:01Z', week: '2026-W49' },
    { label: 'a Sunday just before midnight UTC', at: '2026-11-29T23:59:59Z', week: '2026-W48' },
    { label: 'a 53rd week (2026 starts on a Thursday)', at: '2026-12-31T10:00:00Z', week: '2026-W53' },
    { label: 'the first days of January in the last week of the year before', at: '2027-01-03T10:00:00Z', week: '2026-W53' },
    { label: 'the last days of December in week 1 of the next year', at: '2024-12-30T10:00:00Z', week: '2025-W01' },
  ];
  test.each(cases)('$label → $week', ({ at, week }) => {
    expect(isoWeek(new Date(at))).toBe(week);
  });

  it('gives each week to the month of its Thursday: whole months never share a week', () => {
    const month = (y: number, m: number) => weeksOf(new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 1)));
    // Monday 26 October to Sunday 1 November 2026 has its Thursday in October; 30 November to 6 December in December.
    expect(month(2026, 11)).toEqual(['2026-W45', '2026-W46', '2026-W47', '2026-W48']);
    expect(month(2026, 12)).toEqual(['2026-W49', '2026-W50', '2026-W51', '2026-W52', '2026-W53']);
    expect(month(2027, 1)).toEqual(['2027-W01', '2027-W02', '2027-W03', '2027-W04']);
    const year = Array.from({ length: 12 }, (_, i) => month(2026, i + 1)).flat();
    expect(new Set(year).size).toBe(year.length);
    expect(year).toHaveLength(53);
  });
});

describe('recordFeedback', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });
  const deps = () => ({ prisma: t.server.prisma, clock: t.clock.now });
  const rows = () => t.server.prisma.feedbackCount.findMany({ orderBy: [{ week: 'asc' }, { channel: 'asc' }, { question: 'asc' }, { answer: 'asc' }] });

  it('adds one per answer under the ISO week of the clock and the channel, nothing else', async () => {
    await recordFeedback(deps(), {
      channel: 'ussd',
      answers: [
        { question: 'useful', answer: 'yes' },
        { question: 'respectful', answer: 'not_called' },
      ],
    });
    await recordFeedback(deps(), {
      channel: 'ussd',
      answers: [
        { question: 'useful', answer: 'yes' },
        { question: 'respectful', answer: 'yes' },
      ],
    });
    t.clock.advance(7 * 86_400_000);
    await recordFeedback(deps(), { channel: 'telegram', answers: [{ question: 'useful', answer: 'partly' }] });
    expect(await rows()).toEqual([
      { week: '2026-W48', channel: 'ussd', question: 'respectful', answer: 'not_called', count: 1 },
      { week: '2026-W48', channel: 'ussd', question: 'respectful', answer: 'yes', count: 1 },
      { week: '2026-W48', channel: 'ussd', question: 'useful', answer: 'yes', count: 2 },
      { week: '2026-W49', channel: 'telegram', question: 'useful', answer: 'partly', count: 1 },
    ]);
  });

  const refused: Array<{ label: string; answers: FeedbackAnswer[] }> = [
    { label: 'an answer that is not one of the options', answers: [{ question: 'useful', answer: 'it was fine, thanks' }] },
    { label: 'a question that does not exist', answers: [{ question: 'what_happened' as 'useful', answer: 'yes' }] },
    {
      label: 'two answers to one question',
      answers: [
        { question: 'useful', answer: 'yes' },
        { question: 'useful', answer: 'no' },
      ],
    },
  ];
  test.each(refused)('refuses $label and writes nothing', async ({ answers }) => {
    await expect(recordFeedback(deps(), { channel: 'ussd', answers })).rejects.toThrow(/recordFeedback/);
    expect(await t.server.prisma.feedbackCount.count()).toBe(0);
  });

  it('counts every one of many answers given at the same moment', async () => {
    await Promise.all(Array.from({ length: 12 }, () => recordFeedback(deps(), { channel: 'sms_twilio', answers: [{ question: 'useful', answer: 'no' }] })));
    expect((await rows()).map((r) => r.count)).toEqual([12]);
  });
});

describe('recordFeedback against a concurrent first insert', () => {
  it('tries again when another instance inserted the row first, and then increments it', async () => {
    const calls: string[] = [];
    const tx = {
      feedbackCount: {
        upsert: async (args: { where: unknown }) => {
          calls.push(JSON.stringify(args.where));
          if (calls.length === 1) throw Object.assign(new Error('Unique constraint failed'), { code: 'P2002' });
          return { count: 2 };
        },
      },
    };
    const prisma = { $transaction: (fn: (client: typeof tx) => Promise<unknown>) => fn(tx) } as unknown as PrismaClient;
    await recordFeedback({ prisma, clock: () => new Date('2026-12-02T12:00:00Z') }, { channel: 'ussd', answers: [{ question: 'useful', answer: 'yes' }] });
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[1])).toEqual({ week_channel_question_answer: { week: '2026-W49', channel: 'ussd', question: 'useful', answer: 'yes' } });
  });

  it('does not hide other failures', async () => {
    const prisma = { $transaction: async () => Promise.reject(Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' })) } as unknown as PrismaClient;
    await expect(recordFeedback({ prisma, clock: () => new Date('2026-12-02T12:00:00Z') }, { channel: 'ussd', answers: [{ question: 'useful', answer: 'yes' }] })).rejects.toThrow('disk full');
  });
});

describe('the feedback questions of the flow', () => {
  it('offer exactly the answers that can be counted, as numbered options, and hand them all to recordFeedback', () => {
    const flow = loadFlow();
    const offered: Record<string, string[]> = {};
    for (const node of flow.nodes.values()) {
      // No keypad input anywhere on the way: answers are never typed.
      if (flow.flowOf.get(node.id) === 'feedback') expect(node.kind).not.toBe('input');
      if (!('options' in node)) continue;
      for (const option of node.options) for (const [name, value] of Object.entries(option.set ?? {})) if (name in FEEDBACK_ANSWERS) (offered[name] ??= []).push(value);
    }
    expect(offered).toEqual(Object.fromEntries(FEEDBACK_QUESTIONS.map((q) => [q, [...FEEDBACK_ANSWERS[q]]])));
    const actions = [...flow.nodes.values()].filter((n) => n.kind === 'action' && n.effect === 'recordFeedback');
    expect(actions.map((a) => a.kind === 'action' && a.with)).toEqual([FEEDBACK_QUESTIONS]);
  });
});

describe('feedback over USSD', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await createTestServer();
  });
  afterEach(async () => {
    await t.close();
  });
  const counted = async () =>
    (await t.server.prisma.feedbackCount.findMany({ orderBy: [{ question: 'asc' }, { answer: 'asc' }] })).map((r) => `${r.week} ${r.channel} ${r.question}=${r.answer} ${r.count}`);

  async function answer(answers: string[]): Promise<string> {
    const phone = new UssdSession(t.server.app, '+221770000301');
    await phone.dial();
    let reply = '';
    for (const a of answers) reply = await phone.send(a);
    return reply;
  }

  it('counts the answers once the person reaches the thank-you screen', async () => {
    expect(await answer(['1', '6', '2', '3'])).toMatch(/^END Merci pour votre avis/);
    expect(await counted()).toEqual(['2026-W48 ussd respectful=not_called 1', '2026-W48 ussd useful=partly 1']);
    // Nothing else was written for it: no audit entry, no intake.
    expect(await t.server.prisma.auditEvent.count()).toBe(0);
    expect(await t.server.prisma.intake.count()).toBe(0);
    expect(t.logs.filter((l) => l.includes('feedback recorded'))).toHaveLength(1);
  });

  it('counts nothing when the person leaves before the end (quick exit, main menu, wrong answers)', async () => {
    expect(await answer(['1', '6', '1', '0'])).toBe('END Merci. Au revoir.');
    expect(await answer(['1', '6', '1', '00', '0'])).toBe('END Merci. Au revoir.');
    expect(await answer(['1', '6', '7', 'tout va bien', '0'])).toBe('END Merci. Au revoir.');
    expect(await counted()).toEqual([]);
  });

  it('counts a retried last hop once', async () => {
    const phone = new UssdSession(t.server.app, '+221770000302');
    await phone.dial();
    for (const a of ['2', '6', '1', '1']) await phone.send(a);
    expect((await phone.post(phone.form())).text).toMatch(/^END Thank you for your feedback/);
    expect(await counted()).toEqual(['2026-W48 ussd respectful=yes 1', '2026-W48 ussd useful=yes 1']);
  });
});
