import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { missingPackages, startHaproxy, startInstance, type Instance, type Service } from '../../scripts/scale/services';
import { makeIntake, makeStaff } from '../desk/deskFixtures';
import { redisContents, scaleEnv } from '../support/scale';
import { TWILIO_ENV, TwilioPhone } from '../support/smsPhones';
import { childEnv, codeShownIn, createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Three Passerelle instances on one PostgreSQL and one Redis, behind haproxy (round
 * robin, health checks on /healthz, a request that found its instance dead sent to
 * another): what a programme runs when one server is not enough, or its failure is not
 * acceptable. The test server in this process shares their database and Redis prefix; it
 * only makes fixtures and looks.
 */
jest.setTimeout(120_000);

const SELF = ['1', '2', '1', '1', '1', '1', '1', '1', '1', '1'];
const safer = (number: string) => ['1', '2', '1', '2', number, '1', '1', '1', '1', '1', '1'];
const CANARY_CALLERS = ['+221779990101', '+221779990102', '+221779990103'];
const CANARY_SAFER = '779990199';
const CANARY_TEXT = 'CANARYxSCALExTEXT';

let t: TestServer;
let instances: Instance[];
let haproxy: Service & { url: string };
let folder: string;

beforeAll(async () => {
  const missing = missingPackages();
  if (missing.length > 0) throw new Error(`the scale tests need Debian's ${missing.join(', ')}: apt-get install -y ${missing.join(' ')}`);
  t = await createTestServer({ MAX_OPEN_REQUESTS: '2', CASELOAD_LIMIT: '20', ...TWILIO_ENV });
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-haproxy-'));
  const env = (seed: number) => childEnv(t, { LOG_LEVEL: 'info', MAX_OPEN_REQUESTS: '2', CASELOAD_LIMIT: '20', TRUST_PROXY: 'loopback', PASSERELLE_TEST_SEED: String(seed), ...TWILIO_ENV });
  const started = await Promise.allSettled([1, 2, 3].map((seed) => startInstance(env(seed))));
  instances = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  haproxy = await startHaproxy(
    folder,
    instances.map((i) => i.port),
  );
  // haproxy counts an instance up after two good health checks.
  for (let i = 0; i < 100; i += 1) {
    const seen = new Set<string>();
    for (let j = 0; j < 6; j += 1) seen.add(String((await request(haproxy.url).get('/healthz')).headers['x-backend']));
    if (seen.size === 3) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 120_000);

afterAll(async () => {
  await haproxy?.stop();
  await Promise.all((instances ?? []).map((i) => i.stop()));
  await t?.close();
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

/**
 * Walks a USSD session through haproxy to its end; returns the last screen, where each hop
 * went, and where the hops went that started once `after()` was true.
 */
async function walk(phone: string, answers: string[], { onHop, after }: { onHop?: () => void; after?: () => boolean } = {}) {
  const session = new UssdSession(haproxy.url, phone);
  await session.dial();
  let last = '';
  const servedAfter: string[] = [];
  for (const answer of answers) {
    const late = after?.() ?? false;
    last = await session.send(answer);
    if (late) servedAfter.push(session.servedBy[session.servedBy.length - 1]);
    onHop?.();
  }
  return { last, session, servedAfter };
}

const intakesOf = (phone: string) => t.server.prisma.openContact.count({ where: { requesterHash: t.server.desk.context.keyring.hash(phone) } });

describe('three instances behind haproxy, on PostgreSQL and Redis', () => {
  it('a USSD walk whose hops reach different instances completes with one intake', async () => {
    const { last, session } = await walk(CANARY_CALLERS[0], [...SELF, '1']);
    expect(last).toMatch(/^END Demande enregistrée/);
    codeShownIn(last);
    expect(new Set(session.servedBy)).toEqual(new Set(['i1', 'i2', 'i3']));
    expect(await intakesOf(CANARY_CALLERS[0])).toBe(1);
    // Redis held the conversation meanwhile (sealed): there is something to search at the end.
    expect((await redisContents(t.storageEnv.REDIS_PREFIX)).size).toBeGreaterThan(0);
  });

  it('one provider retry sent to two instances at once makes one intake', async () => {
    const { session } = await walk(CANARY_CALLERS[1], safer(CANARY_SAFER));
    session.answers.push('1');
    const form = session.form();
    const [one, three] = await Promise.all([instances[0], instances[2]].map((instance) => request(instance.url).post('/webhooks/africastalking/ussd').type('form').send(form)));
    expect([one.status, three.status]).toEqual([200, 200]);
    expect(one.text).toMatch(/^END Demande enregistrée/);
    // The one that waited for the conversation gets the same reply, the code included.
    expect(three.text).toBe(one.text);
    expect(await intakesOf(CANARY_CALLERS[1])).toBe(1);
  });

  it('100 claims of one request raced across instances have exactly one winner', async () => {
    const { id } = await makeIntake(t);
    const staff = await Promise.all(Array.from({ length: 10 }, () => makeStaff(t)));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        request(haproxy.url)
          .post(`/api/v1/intakes/${id}/claim`)
          .set(staff[i % 10].auth)
          .send({}),
      ),
    );
    expect(new Set(answers.map((a) => a.headers['x-backend']))).toEqual(new Set(['i1', 'i2', 'i3']));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(99);
    const winner = staff[answers.indexOf(won[0]) % 10];
    expect(await t.server.prisma.intake.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'claimed', claimedById: winner.id });
  });

  it('the open-request limit holds across instances: six sessions of one number confirming at once make two requests', async () => {
    const phone = CANARY_CALLERS[2];
    const sessions = await Promise.all(Array.from({ length: 6 }, async () => (await walk(phone, SELF)).session));
    // Each confirms on an instance of its own turn: two sessions on each instance, all at once.
    const finals = await Promise.all(
      sessions.map(async (s, i) => {
        s.answers.push('1');
        const res = await request(instances[i % 3].url)
          .post('/webhooks/africastalking/ussd')
          .type('form')
          .send(s.form());
        expect(res.status).toBe(200);
        return res.text;
      }),
    );
    expect(finals.filter((f) => /^END Demande enregistrée/.test(f))).toHaveLength(2);
    expect(finals.filter((f) => !/^END Demande enregistrée/.test(f))).toHaveLength(4);
    expect(await intakesOf(phone)).toBe(2);
  });

  it('killing an instance in the middle of 20 walks loses none of them', async () => {
    const phones = Array.from({ length: 20 }, (_, i) => `+2217799902${String(i).padStart(2, '0')}`);
    let hops = 0;
    let killed = false;
    const onHop = () => {
      hops += 1;
      // Once the walks are well under way (about three hops each), instance 2 dies at once.
      if (!killed && hops >= 60) {
        killed = true;
        instances[1].kill();
      }
    };
    const results = await Promise.all(phones.map((phone) => walk(phone, [...SELF, '1'], { onHop, after: () => killed })));
    expect(killed).toBe(true);
    expect(results.map((r) => r.last.split('\n')[0])).toEqual(Array(20).fill('END Demande enregistrée.'));
    // Every walk went on after the kill, on the instances still alive.
    expect(results.every((r) => r.servedAfter.length > 0)).toBe(true);
    expect(results.flatMap((r) => r.servedAfter).filter((server) => server === 'i2')).toEqual([]);
    for (const phone of phones) expect(await intakesOf(phone)).toBe(1);
  });

  it('canary numbers and text appear nowhere in Redis or the PostgreSQL data directory once the requests are closed and purged', async () => {
    const sms = new TwilioPhone(haproxy.url, '+221779990104');
    expect(await sms.send(CANARY_TEXT)).toMatch(/Bienvenue|Welcome/);
    // Every request runs out of time and is purged (by the test server: its clock can be moved).
    t.clock.advance((t.config.INTAKE_TTL_HOURS + 1) * 3_600_000);
    let purged;
    while (!(purged = await t.server.purge())) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await t.server.prisma.openContact.count()).toBe(0);

    const canaries = [...[...CANARY_CALLERS, '+221779990104'].flatMap((n) => [n, n.slice(1), n.slice(4)]), CANARY_SAFER, CANARY_TEXT];
    const redis = [...(await redisContents(t.storageEnv.REDIS_PREFIX)).entries()].map(([key, value]) => `${key} ${value}`).join('\n');
    expect(redis.length).toBeGreaterThan(0);
    expect(canaries.filter((c) => redis.includes(c))).toEqual([]);

    // The whole data directory: every database's files, the write-ahead log, the catalogs.
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
    const inData = new Set<string>();
    for (const file of files(scaleEnv.postgresData!)) {
      const bytes = fs.readFileSync(file);
      for (const canary of canaries) if (bytes.includes(canary)) inData.add(`${canary} in ${path.relative(scaleEnv.postgresData!, file)}`);
    }
    expect([...inData]).toEqual([]);
    const logs = instances.map((i) => i.output()).join('\n');
    expect(logs).toMatch(/intake created/);
    expect(canaries.filter((c) => logs.includes(c))).toEqual([]);
  });
});
