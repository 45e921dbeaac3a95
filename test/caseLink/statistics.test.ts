import { statistics, suppress } from '../../src/caseLink/statistics';
import { makeIntake } from '../desk/deskFixtures';
import { createTestServer, type TestServer } from '../support/testServer';

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
    expect(cells({ a: 6, b: 7 })).toEqual([{ key: 'a', count: 6 }, { key: 'b', count: 7 }]);
    // One small cell beside one published cell: total minus the published one would give it away.
    expect(cells({ a: 2, b: 6 })).toEqual([{ key: 'a', count: null }, { key: 'b', count: null }]);
    // Two small cells that sum to the threshold protect each other.
    expect(cells({ a: 2, b: 3, c: 10 })).toEqual([{ key: 'a', count: null }, { key: 'b', count: null }, { key: 'c', count: 10 }]);
    // Two small cells summing under the threshold: the smallest published cell goes too.
    expect(cells({ a: 1, b: 2, c: 10, d: 20 })).toEqual([{ key: 'a', count: null }, { key: 'b', count: null }, { key: 'c', count: null }, { key: 'd', count: 20 }]);
    expect(cells({ a: 12, b: 1, c: 9 })).toEqual([{ key: 'a', count: 12 }, { key: 'b', count: null }, { key: 'c', count: null }]);
    expect(cells({ a: 3 })).toEqual([{ key: 'a', count: null }]);
  });

  it('counts per day, channel, queue, outcome and time to first call, suppressing cells under the threshold', async () => {
    for (let i = 0; i < 6; i += 1) await makeIntake(t);
    for (let i = 0; i < 2; i += 1) await makeIntake(t, { subject: 'child' });
    const first = await t.server.prisma.intake.findMany({ where: { queue: 'gbv' }, take: 5 });
    for (const i of first) await t.server.prisma.intake.update({ where: { id: i.id }, data: { status: 'closed', closeReason: 'resolved', lastOutcome: 'reached', firstCallAt: new Date(i.createdAt.getTime() + 30 * 60_000) } });
    const from = new Date('2026-11-24T00:00:00Z');
    const stats = await statistics(t.server.desk.context, { from, to: new Date('2026-11-25T00:00:00Z') });
    expect(stats).toEqual({
      from: from.toISOString(),
      to: '2026-11-25T00:00:00.000Z',
      minCell: 5,
      total: 8,
      byDay: [{ key: '2026-11-24', count: 8 }],
      byChannel: [{ key: 'ussd', count: 8 }],
      // 2 child-protection intakes would be 8 - 6: both cells are hidden.
      byQueue: [
        { key: 'child_protection', count: null },
        { key: 'gbv', count: null },
      ],
      byOutcome: [
        { key: 'closed:resolved', count: null },
        { key: 'open:none', count: null },
      ],
      timeToFirstCall: [
        { key: 'not_called', count: null },
        { key: 'under_1h', count: null },
      ],
    });
    // With more intakes, every table still adds up to the total and shows what is safe to show.
    for (let i = 0; i < 3; i += 1) await makeIntake(t, { subject: 'child' });
    const more = await statistics(t.server.desk.context, { from, to: new Date('2026-11-25T00:00:00Z') });
    expect(more.byQueue).toEqual([
      { key: 'child_protection', count: 5 },
      { key: 'gbv', count: 6 },
    ]);
    expect(more.timeToFirstCall).toEqual([
      { key: 'not_called', count: 6 },
      { key: 'under_1h', count: 5 },
    ]);
    const empty = await statistics(t.server.desk.context, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
    expect(empty).toMatchObject({ total: 0, byDay: [] });
  });
});
