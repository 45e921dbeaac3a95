import { statistics } from '../../src/caseLink/statistics';
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
      byQueue: [
        { key: 'child_protection', count: null },
        { key: 'gbv', count: 6 },
      ],
      byOutcome: [
        { key: 'closed:resolved', count: 5 },
        { key: 'open:none', count: null },
      ],
      timeToFirstCall: [{ key: 'under_1h', count: 5 }],
    });
    const empty = await statistics(t.server.desk.context, { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2020-01-02T00:00:00Z') });
    expect(empty).toMatchObject({ total: 0, byDay: [] });
  });
});
