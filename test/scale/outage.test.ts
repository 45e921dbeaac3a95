import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRedis } from '../../scripts/scale/services';
import { createTestServer, type TestServer } from '../support/testServer';
import { UssdSession } from '../support/ussdSession';

/**
 * Redis goes away under a running instance: its health check says so (a load balancer
 * takes it out), each request that needs Redis gets a plain 5xx (the provider retries),
 * the process keeps serving, and everything works again once Redis is back.
 */
describe('when Redis goes away', () => {
  let t: TestServer;
  let folder: string;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-outage-'));
    redis = await startRedis(folder);
    t = await createTestServer({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('reports it on /healthz, answers 5xx without internals, keeps serving, and recovers', async () => {
    expect(await new UssdSession(t.server.app, '+221770000901').dial()).toMatch(/^CON /);
    expect((await t.http.get('/healthz')).status).toBe(200);

    await redis.stop();
    const health = await t.http.get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', failing: ['redis'] });
    const phone = new UssdSession(t.server.app, '+221770000902');
    const refused = await phone.post(phone.form(''));
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(refused.text).not.toMatch(/redis|ECONN|127\.0\.0\.1|at .*\.ts/i);
    // The outage is logged by error code, never with the URL.
    expect(t.logs.join('')).toMatch(/redis: connection error/);
    expect(t.logs.join('')).not.toContain(redis.url);

    redis = await startRedis(folder, redis.port);
    for (let i = 0; i < 100 && (await t.http.get('/healthz')).status !== 200; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.http.get('/healthz')).status).toBe(200);
    expect(await new UssdSession(t.server.app, '+221770000903').dial()).toMatch(/^CON /);
  });
});
