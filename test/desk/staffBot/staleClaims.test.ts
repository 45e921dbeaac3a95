import type { UserFromGetMe } from 'grammy/types';
import { claimIntake } from '../../../src/caseLink/claimIntake';
import { reassignIntake } from '../../../src/caseLink/reassignIntake';
import { recordOutcome } from '../../../src/caseLink/recordOutcome';
import { announceStaleClaims } from '../../../src/desk/announceStaleClaims';
import type { Actor } from '../../../src/caseLink/types';
import { createTestServer, type TestServer } from '../../support/testServer';
import { makeIntake, makeStaff } from '../deskFixtures';

const GROUP = -1001234567890;
const HOUR = 3_600_000;
const BOT = { id: 999000111, is_bot: true, first_name: 'Bureau', username: 'bureau_test_bot' } as UserFromGetMe;

/** A fake Bot API that records every call; `refuse` makes the next calls fail as Telegram would. */
function fakeTelegram() {
  const calls: Array<{ method: string; payload: Record<string, unknown> }> = [];
  let refuse = false;
  let nextId = 100;
  return {
    calls,
    setRefusing(value: boolean) {
      refuse = value;
    },
    install(api: import('grammy').Api) {
      api.config.use(async (_prev, method, payload) => {
        if (refuse) return { ok: false, error_code: 400, description: 'Bad Request: chat not found' } as never;
        calls.push({ method, payload: payload as Record<string, unknown> });
        nextId += 1;
        return { ok: true, result: { message_id: nextId, date: 1_700_000_000, chat: { id: GROUP, type: 'supergroup', title: 'Bureau' }, text: (payload as { text?: string }).text } } as never;
      });
    },
    take() {
      return calls.splice(0, calls.length);
    },
  };
}

describe('stale claims in the staff group', () => {
  let t: TestServer;
  const telegram = fakeTelegram();
  let awa: Actor;
  let binta: Actor;
  let sam: Actor;
  beforeAll(async () => {
    t = await createTestServer(
      { TELEGRAM_STAFF_TOKEN: '999000111:TEST', STAFF_TELEGRAM_GROUP_ID: String(GROUP), TELEGRAM_WEBHOOK_SECRET: 'staff-webhook-secret', MAX_OPEN_REQUESTS: '20' },
      { desk: { staffBot: { botInfo: BOT, configureApi: telegram.install } } },
    );
    const actor = async (name: string, role: 'caseworker' | 'supervisor' = 'caseworker'): Promise<Actor> => ({
      id: (await makeStaff(t, { name, role })).id,
      role,
      queues: ['gbv'],
      languages: ['fr'],
      gender: 'f',
    });
    awa = await actor('Awa Diop');
    binta = await actor('Binta Sow');
    sam = await actor('Sam Superviseur', 'supervisor');
  });
  afterAll(async () => {
    await t.close();
  });
  const groupMessages = () => telegram.take().filter((c) => c.method === 'sendMessage' && c.payload.chat_id === String(GROUP));

  it('tells the group once per claim, by label, staff name and hours, never the number', async () => {
    const intake = await makeIntake(t);
    const other = await makeIntake(t);
    await claimIntake(t.server.desk.context, { intakeId: intake.id, actor: awa });
    await claimIntake(t.server.desk.context, { intakeId: other.id, actor: awa });
    telegram.take();
    t.clock.advance(23 * HOUR);
    // The other request gets an outcome: not stale.
    await recordOutcome(t.server.desk.context, { intakeId: other.id, actor: awa, outcome: 'reached' });
    await t.server.desk.runMaintenance();
    expect(groupMessages()).toEqual([]);

    t.clock.advance(2 * HOUR);
    await t.server.desk.runMaintenance();
    const told = groupMessages();
    expect(told).toHaveLength(1);
    const text = String(told[0].payload.text);
    expect(text).toContain(intake.label);
    expect(text).toContain('Awa Diop');
    expect(text).toContain('25 h');
    expect(text).not.toContain(intake.contact.slice(4));
    expect(text).not.toContain(other.label);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).staleAnnouncedAt).toEqual(t.clock.now());

    // Later runs, and several instances at once, tell nothing more.
    t.clock.advance(HOUR);
    await t.server.desk.runMaintenance();
    const ctx = t.server.desk.context;
    const tell = (claim: { label: string; staffName: string; hours: number }) => t.server.desk.staffBot!.announceStale(claim);
    const counts = await Promise.all([announceStaleClaims(ctx, tell), announceStaleClaims(ctx, tell), announceStaleClaims(ctx, tell)]);
    expect(counts).toEqual([0, 0, 0]);
    expect(groupMessages()).toEqual([]);
  });

  it('tells a claim once even when several instances find it stale at the same moment', async () => {
    const intake = await makeIntake(t);
    await claimIntake(t.server.desk.context, { intakeId: intake.id, actor: binta });
    t.clock.advance(24 * HOUR);
    const ctx = t.server.desk.context;
    const tell = (claim: { label: string; staffName: string; hours: number }) => t.server.desk.staffBot!.announceStale(claim);
    const counts = await Promise.all([announceStaleClaims(ctx, tell), announceStaleClaims(ctx, tell), announceStaleClaims(ctx, tell)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const told = groupMessages();
    expect(told).toHaveLength(1);
    expect(String(told[0].payload.text)).toContain(intake.label);
  });

  it('tries again at the next run when Telegram refused, and tells a reassigned claim again once it is stale in turn', async () => {
    const intake = await makeIntake(t);
    await claimIntake(t.server.desk.context, { intakeId: intake.id, actor: awa });
    t.clock.advance(24 * HOUR);
    telegram.setRefusing(true);
    await t.server.desk.runMaintenance();
    telegram.setRefusing(false);
    expect((await t.server.prisma.intake.findUniqueOrThrow({ where: { id: intake.id } })).staleAnnouncedAt).toBeNull();
    expect(t.logs.some((l) => l.includes('stale claim announcement failed'))).toBe(true);
    await t.server.desk.runMaintenance();
    expect(
      groupMessages()
        .map((m) => String(m.payload.text))
        .filter((text) => text.includes(intake.label)),
    ).toHaveLength(1);

    await reassignIntake(t.server.desk.context, { intakeId: intake.id, actor: sam, toStaffId: binta.id });
    t.clock.advance(12 * HOUR);
    await t.server.desk.runMaintenance();
    expect(groupMessages().filter((m) => String(m.payload.text).includes(intake.label))).toEqual([]);
    t.clock.advance(12 * HOUR);
    await t.server.desk.runMaintenance();
    const again = groupMessages().filter((m) => String(m.payload.text).includes(intake.label));
    expect(again).toHaveLength(1);
    expect(String(again[0].payload.text)).toContain('Binta Sow');
    expect(String(again[0].payload.text)).toContain('24 h');
  });
});
