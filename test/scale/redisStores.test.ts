import pino from 'pino';
import { MemoryAttemptLog, RedisAttemptLog, type AttemptLog } from '../../src/store/attemptLog';
import { MemoryDueQueue, RedisDueQueue, type DueQueue } from '../../src/store/dueQueue';
import { MemoryLock, RedisLock } from '../../src/store/lock';
import { connectRedis, type RedisConnection } from '../../src/store/redis';
import { RedisSessionStore } from '../../src/store/sessionStore';
import { clearRedisPrefix, redisContents, scaleEnv } from '../support/scale';
import { testKeyring } from '../support/testServer';

/**
 * The Redis stores keep the contracts of the memory ones, across connections (two
 * instances are two connections): the same tests run on both where a contract is shared.
 */
const PREFIX = `test:stores:${process.pid}:`;
const keyring = testKeyring();
const sealer = { seal: (text: string, aad: string) => JSON.stringify(keyring.seal(text, aad)), unseal: (sealed: string, aad: string) => keyring.unseal(JSON.parse(sealed), aad) };
let a: RedisConnection & { close(): Promise<void> };
let b: RedisConnection & { close(): Promise<void> };

beforeAll(async () => {
  const logger = pino({ level: 'silent' });
  a = await connectRedis(scaleEnv.redisUrl!, PREFIX, logger);
  b = await connectRedis(scaleEnv.redisUrl!, PREFIX, logger);
});
afterAll(async () => {
  await clearRedisPrefix(PREFIX);
  await a.close();
  await b.close();
});

describe('RedisSessionStore', () => {
  it('shares entries between connections, sealed, and ends them by the server clock', async () => {
    let now = 1_000_000;
    const one = new RedisSessionStore<{ screen: string }>(a, 'gateway', sealer, () => now);
    const two = new RedisSessionStore<{ screen: string }>(b, 'gateway', sealer, () => now);
    await one.set('k1', { screen: 'Bienvenue +221770000999' }, 60_000);
    expect(await two.get('k1')).toEqual({ screen: 'Bienvenue +221770000999' });
    // Redis holds ciphertext only, with a real TTL.
    const stored = await redisContents(`${PREFIX}session:gateway:k1`);
    expect([...stored.values()].join('')).not.toMatch(/Bienvenue|221770000999/);
    expect(await a.client.pTTL(`${PREFIX}session:gateway:k1`)).toBeGreaterThan(50_000);
    now += 60_000;
    expect(await two.get('k1')).toBeUndefined();
    expect(await a.client.exists(`${PREFIX}session:gateway:k1`)).toBe(0);
  });

  it('refuses a value moved under another key (sealed with its key as associated data)', async () => {
    const store = new RedisSessionStore<string>(a, 'gateway', sealer);
    await store.set('mine', 'x', 60_000);
    await a.client.copy(`${PREFIX}session:gateway:mine`, `${PREFIX}session:gateway:theirs`);
    await expect(store.get('theirs')).rejects.toThrow();
    await store.delete('mine');
    expect(await store.get('mine')).toBeUndefined();
  });
});

describe('RedisLock', () => {
  it('runs the tasks of one key one at a time across connections, other keys in parallel', async () => {
    const locks = [new RedisLock(a, 'conversation', { token: () => `${Math.random()}` }), new RedisLock(b, 'conversation', { token: () => `${Math.random()}` })];
    let inside = 0;
    let most = 0;
    const task = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => locks[i % 2].run('same', task)));
    expect(most).toBe(1);
    most = 0;
    await Promise.all(Array.from({ length: 6 }, (_, i) => locks[i % 2].run(`k${i}`, task)));
    expect(most).toBeGreaterThan(1);
  });

  it('frees the key of a holder that died when its lease runs out', async () => {
    // An instance took the key and died: nobody releases or renews it.
    await a.client.set(`${PREFIX}lock:chat:dead`, 'dead-token', { expiration: { type: 'PX', value: 150 } });
    const next = new RedisLock(b, 'chat', { token: () => 'next' });
    const started = performance.now();
    expect(await next.run('dead', async () => a.client.get(`${PREFIX}lock:chat:dead`))).toBe('next');
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('a live holder renews its lease; one whose lease was lost never releases nor renews its successor', async () => {
    const first = new RedisLock(a, 'chat', { token: () => 'first', leaseMs: 150 });
    const second = new RedisLock(b, 'chat', { token: () => 'second', leaseMs: 60_000 });
    const key = `${PREFIX}lock:chat:k`;
    await first.run('k', async () => {
      // Held well past its lease: renewed all along.
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await a.client.get(key)).toBe('first');
      // Its lease is lost (as during a long pause): another holder takes the key meanwhile.
      await a.client.del(key);
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => (inside = resolve));
      void second.run('k', async () => {
        inside();
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      await entered;
    });
    // The late holder's release and renewals left the successor's key alone.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await a.client.get(key)).toBe('second');
    expect(await a.client.pTTL(key)).toBeGreaterThan(50_000);
  });

  it('gives up after its wait, with an error (the request fails and the provider retries)', async () => {
    const holder = new RedisLock(a, 'slow', { token: () => 'h', leaseMs: 10_000 });
    const waiter = new RedisLock(b, 'slow', { token: () => 'w', waitMs: 100 });
    let release!: () => void;
    const held = holder.run('k', () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(waiter.run('k', async () => 'never')).rejects.toThrow(/lock/);
    release();
    await held;
  });

  it('MemoryLock keeps the same order for one key', async () => {
    const lock = new MemoryLock();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => lock.run('k', async () => void order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});

describe.each([
  ['memory', () => new MemoryAttemptLog() as AttemptLog],
  ['Redis', () => new RedisAttemptLog(a) as AttemptLog],
])('the attempt log (%s)', (_name, make) => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 24, 9, minutes));
  it('counts a key and its scope, the reservation itself excluded, and withdraws and clears', async () => {
    const log = make();
    const scope = `s${Math.random()}`;
    const first = await log.reserve(scope, 'k1', at(0), at(-60));
    expect(first.counts).toEqual({ mine: 0, all: 0 });
    await log.reserve(scope, 'k1', at(5), at(-55));
    const third = await log.reserve(scope, 'k2', at(10), at(-50));
    expect(third.counts).toEqual({ mine: 0, all: 2 });
    const fourth = await log.reserve(scope, 'k1', at(20), at(-40));
    expect(fourth.counts).toEqual({ mine: 2, all: 3, lastAt: at(5) });
    await fourth.withdraw();
    await third.withdraw();
    expect((await log.reserve(scope, 'k3', at(21), at(-39))).counts).toEqual({ mine: 0, all: 2 });
    await log.clear(scope, 'k1');
    expect((await log.reserve(scope, 'k1', at(22), at(-38))).counts).toEqual({ mine: 0, all: 1 });
  });

  it('counts only the window, and of attempts made at the same moment no two see the same count', async () => {
    const log = make();
    const scope = `w${Math.random()}`;
    await log.reserve(scope, 'old', at(0), at(-60));
    // Ten at once: each is recorded before it is counted, so a limit of n lets n through, never more.
    const results = await Promise.all(Array.from({ length: 10 }, () => log.reserve(scope, 'same', at(90), at(30))));
    expect(results.map((r) => r.counts.all).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(results.map((r) => r.counts.mine).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe.each([
  ['memory', (): DueQueue => new MemoryDueQueue()],
  ['Redis', (): DueQueue => new RedisDueQueue(a, `q${Math.random()}`)],
])('the due queue (%s)', (_name, make) => {
  it('gives each item once, when due, in due order', async () => {
    const queue = make();
    await queue.add('later', 2_000);
    await queue.add('sooner', 1_000);
    expect(await queue.takeDue(999)).toEqual([]);
    expect(await queue.takeDue(1_500)).toEqual(['sooner']);
    expect(await queue.takeDue(5_000)).toEqual(['later']);
    expect(await queue.takeDue(5_000)).toEqual([]);
  });
});

it('the Redis due queue gives an item to one of two instances taking at once', async () => {
  const name = `race${Math.random()}`;
  const one = new RedisDueQueue(a, name);
  const two = new RedisDueQueue(b, name);
  for (let i = 0; i < 50; i += 1) await one.add(`item${i}`, i);
  const taken = (await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).takeDue(100, 7)))).flat();
  expect(taken.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `item${i}`).sort());
});
