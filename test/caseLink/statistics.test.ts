import { OUTCOME_KEYS, roundCount, statistics, suppress } from '../../src/caseLink/statistics';
import { makeIntake } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

const KEYS = { channels: ['ussd', 'sms_twilio', 'sms_africastalking', 'telegram'], queues: ['gbv', 'child_protection'] };
const DAY = 86_400_000;

describe('statistics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('suppresses small cells, and as many more as needed so that none can be recomputed from the total', () => {
    const cells = (o: Record<string, number>) => suppress(new Map(Object.entries(o)), 5);
    expect(cells({ a: 6, b: 7 })).toEqual([
      { key: 'a', count: 6 },
      { key: 'b', count: 7 },
    ]);
    // One small cell beside one published cell: total minus the published one would give it away.
    expect(cells({ a: 2, b: 6 })).toEqual([
      { key: 'a', count: null },
      { key: 'b', count: null },
    ]);
    // Two small cells that sum to the threshold protect each other.
    expect(cells({ a: 2, b: 3, c: 10 })).toEqual([
      { key: 'a', count: null },
      { key: 'b', count: null },
      { key: 'c', count: 10 },
    ]);
    // Two small cells summing under the threshold: the smallest published cell goes too.
    expect(cells({ a: 1, b: 2, c: 10, d: 20 })).toEqual([
      { key: 'a', count: null },
      { key: 'b', count: null },
      { key: 'c', count: null },
      { key: 'd', count: 20 },
    ]);
    expect(cells({ a: 12, b: 1, c: 9 })).toEqual([
      { key: 'a', count: 12 },
      { key: 'b', count: null },
      { key: 'c', count: null },
    ]);
    expect(cells({ a: 3 })).toEqual([{ key: 'a', count: null }]);
    // Zeros are suppressed too (a published zero would say which suppressed cells are not empty), and protect nothing.
    expect(cells({ a: 0, b: 9, c: 0 })).toEqual([
      { key: 'a', count: null },
      { key: 'b', count: 9 },
      { key: 'c', count: null },
    ]);
    expect(cells({ a: 0, b: 9, c: 2 })).toEqual([
      { key: 'a', count: null },
      { key: 'b', count: null },
      { key: 'c', count: null },
    ]);
  });

  it('rounds published counts to a multiple of STATS_ROUNDING', () => {
    expect([0, 2, 3, 7, 8, 12, 13].map((n) => roundCount(n, 5))).toEqual([0, 0, 5, 5, 10, 10, 15]);
    expect(roundCount(null, 5)).toBeNull();
  });

  it('gives every table the same keys whatever the counts, suppressed and rounded', async () => {
    for (let i = 0; i < 6; i += 1) await makeIntake(t);
    for (let i = 0; i < 2; i += 1) await makeIntake(t, { subject: 'child' });
    const first = await t.server.prisma.intake.findMany({ where: { queue: 'gbv' }, take: 5 });
    for (const i of first)
      await t.server.prisma.intake.update({
        where: { id: i.id },
        data: { status: 'closed', closeReason: 'resolved', lastOutcome: 'reached', firstCallAt: new Date(i.createdAt.getTime() + 30 * 60_000) },
      });
    const from = new Date('2026-11-24T00:00:00Z');
    const stats = await statistics(t.server.desk.context, { from, to: new Date('2026-11-25T00:00:00Z'), keys: KEYS });
    const keysOf = (cells: Array<{ key: string }>) => cells.map((c) => c.key);
    expect(stats).toMatchObject({ from: from.toISOString(), to: '2026-11-25T00:00:00.000Z', minCell: 5, rounding: 5, total: 10 });
    expect(stats.byDay).toEqual([
      { key: '2026-11-24', count: 10 },
      { key: 'other', count: null },
    ]);
    // Channels with no request are there, suppressed like the others: a key never says a cell is not empty.
    expect(stats.byChannel).toEqual([
      { key: 'ussd', count: 10 },
      { key: 'sms_twilio', count: null },
      { key: 'sms_africastalking', count: null },
      { key: 'telegram', count: null },
      { key: 'other', count: null },
    ]);
    // 2 child-protection intakes would be 8 - 6: both cells are hidden.
    expect(stats.byQueue).toEqual([
      { key: 'gbv', count: null },
      { key: 'child_protection', count: null },
      { key: 'other', count: null },
    ]);
    expect(keysOf(stats.byOutcome)).toEqual([...OUTCOME_KEYS, 'other']);
    expect(stats.byOutcome.every((c) => c.count === null)).toBe(true);
    expect(keysOf(stats.timeToFirstCall)).toEqual(['not_called', 'under_1h', '1h_to_4h', '4h_to_24h', '24h_to_72h', 'over_72h', 'other']);

    // With more intakes, what is safe to show is shown, rounded.
    for (let i = 0; i < 3; i += 1) await makeIntake(t, { subject: 'child' });
    const more = await statistics(t.server.desk.context, { from, to: new Date('2026-11-25T00:00:00Z'), keys: KEYS });
    expect(more.byQueue).toEqual([
      { key: 'gbv', count: 5 },
      { key: 'child_protection', count: 5 },
      { key: 'other', count: null },
    ]);
    expect(more.timeToFirstCall.slice(0, 2)).toEqual([
      { key: 'not_called', count: 5 },
      { key: 'under_1h', count: 5 },
    ]);
    const empty = await statistics(t.server.desk.context, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z'), keys: KEYS });
    expect(empty.total).toBeNull();
    expect(keysOf(empty.byChannel)).toEqual(keysOf(stats.byChannel));
    expect(empty.byDay).toEqual([
      { key: '2020-01-01', count: null },
      { key: 'other', count: null },
    ]);
  });

  it('publishes the feedback of the weeks whose Thursday falls in the month, per week, channel and answer, suppressed and rounded', async () => {
    const s = await createTestServer();
    try {
      const rows: Array<[week: string, channel: string, question: string, answer: string, count: number]> = [
        ['2026-W45', 'ussd', 'useful', 'yes', 8],
        ['2026-W45', 'ussd', 'useful', 'partly', 2],
        ['2026-W45', 'ussd', 'respectful', 'yes', 6],
        ['2026-W45', 'ussd', 'respectful', 'not_called', 4],
        ['2026-W46', 'telegram', 'useful', 'no', 5],
        ['2026-W46', 'telegram', 'respectful', 'not_called', 5],
        // Monday 26 October to Sunday 1 November: its Thursday is in October.
        ['2026-W44', 'ussd', 'useful', 'yes', 50],
        // Monday 30 November to Sunday 6 December: its Thursday is in December.
        ['2026-W49', 'ussd', 'useful', 'yes', 50],
      ];
      for (const [week, channel, question, answer, count] of rows) await s.server.prisma.feedbackCount.create({ data: { week, channel, question, answer, count } });
      const november = await statistics(s.server.desk.context, { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z'), keys: KEYS });
      expect(november.feedback).toEqual({
        weeks: ['2026-W45', '2026-W46', '2026-W47', '2026-W48'],
        responses: 15,
        byWeek: [
          { key: '2026-W45', count: 10 },
          { key: '2026-W46', count: 5 },
          { key: '2026-W47', count: null },
          { key: '2026-W48', count: null },
          { key: 'other', count: null },
        ],
        byChannel: [
          { key: 'ussd', count: 10 },
          { key: 'sms_twilio', count: null },
          { key: 'sms_africastalking', count: null },
          { key: 'telegram', count: 5 },
          { key: 'other', count: null },
        ],
        questions: [
          {
            question: 'useful',
            // "partly" (2) alone would be 15 - 8 - 5: "no" is hidden with it; 8 is published as 10.
            answers: [
              { key: 'yes', count: 10 },
              { key: 'partly', count: null },
              { key: 'no', count: null },
              { key: 'other', count: null },
            ],
          },
          {
            question: 'respectful',
            answers: [
              { key: 'yes', count: 5 },
              { key: 'no', count: null },
              { key: 'not_called', count: 10 },
              { key: 'other', count: null },
            ],
          },
        ],
      });
      const december = await statistics(s.server.desk.context, { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z'), keys: KEYS });
      expect(december.feedback.weeks).toEqual(['2026-W49', '2026-W50', '2026-W51', '2026-W52', '2026-W53']);
      expect(december.feedback.byWeek[0]).toEqual({ key: '2026-W49', count: 50 });
      // A month without feedback has the same keys, every cell suppressed.
      const empty = await statistics(s.server.desk.context, { from: new Date('2026-09-01T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z'), keys: KEYS });
      expect(empty.feedback.responses).toBeNull();
      expect(empty.feedback.byChannel.map((c) => c.key)).toEqual(november.feedback.byChannel.map((c) => c.key));
      expect(empty.feedback.questions.map((q) => [q.question, q.answers.map((a) => a.key)])).toEqual(november.feedback.questions.map((q) => [q.question, q.answers.map((a) => a.key)]));
      expect([...empty.feedback.byWeek, ...empty.feedback.byChannel, ...empty.feedback.questions.flatMap((q) => q.answers)].every((c) => c.count === null)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('cannot be differenced: two overlapping ranges, subtracted, do not give a suppressed cell', async () => {
    const s = await createTestServer({ MAX_OPEN_REQUESTS: '50' });
    try {
      // Day 1: 6 requests over USSD. Day 2: 3 requests over SMS, a cell that must stay hidden.
      for (let i = 0; i < 6; i += 1) await makeIntake(s);
      s.clock.advance(DAY);
      for (let i = 0; i < 3; i += 1) await makeIntake(s, { channel: 'sms_twilio' });
      for (let i = 0; i < 6; i += 1) await makeIntake(s);
      const day1 = new Date('2026-11-24T00:00:00Z');
      const day2 = new Date(day1.getTime() + DAY);
      const day3 = new Date(day2.getTime() + DAY);
      const wide = await statistics(s.server.desk.context, { from: day1, to: day3, keys: KEYS });
      const narrow = await statistics(s.server.desk.context, { from: day1, to: day2, keys: KEYS });
      const onlyDay2 = await statistics(s.server.desk.context, { from: day2, to: day3, keys: KEYS });
      const sms = (x: typeof wide) => x.byChannel.find((c) => c.key === 'sms_twilio')!.count;
      const ussd = (x: typeof wide) => x.byChannel.find((c) => c.key === 'ussd')!.count;
      expect(sms(onlyDay2)).toBeNull();
      // Before rounding: total 15 - 6 - 6 = 3 exactly. Rounded, no subtraction gives 3.
      const differences = [wide.total! - ussd(wide)!, wide.total! - narrow.total! - ussd(onlyDay2)!, onlyDay2.total! - ussd(onlyDay2)!];
      for (const d of differences) expect(d).not.toBe(3);
      for (const x of [wide, narrow, onlyDay2]) for (const cell of [...x.byChannel, ...x.byDay]) expect(cell.count === null || cell.count % 5 === 0).toBe(true);
    } finally {
      await s.close();
    }
  });
});
