import { MemorySessionStore } from '../../src/store/sessionStore';

describe('MemorySessionStore', () => {
  it('forgets an entry after its TTL', async () => {
    let now = 0;
    const store = new MemorySessionStore<string>({ maxEntries: 10, clock: () => now });
    await store.set('a', 'x', 1000);
    now = 999;
    expect(await store.get('a')).toBe('x');
    now = 1000;
    expect(await store.get('a')).toBeUndefined();
  });

  it('a new set renews the TTL', async () => {
    let now = 0;
    const store = new MemorySessionStore<string>({ maxEntries: 10, clock: () => now });
    await store.set('a', 'x', 1000);
    now = 900;
    await store.set('a', 'y', 1000);
    now = 1500;
    expect(await store.get('a')).toBe('y');
  });

  it('stays within its bound, dropping the least recently written', async () => {
    const store = new MemorySessionStore<number>({ maxEntries: 100, clock: () => 0 });
    for (let i = 0; i < 1000; i += 1) await store.set(`k${i}`, i, 60_000);
    expect(store.size).toBe(100);
    expect(await store.get('k0')).toBeUndefined();
    expect(await store.get('k999')).toBe(999);
  });

  it('sweeps expired entries as new ones arrive', async () => {
    let now = 0;
    const store = new MemorySessionStore<number>({ maxEntries: 1000, clock: () => now });
    for (let i = 0; i < 50; i += 1) await store.set(`old${i}`, i, 10);
    now = 100;
    for (let i = 0; i < 50; i += 1) await store.set(`new${i}`, i, 10);
    expect(store.size).toBeLessThan(100);
  });

  it('drops expired entries that sit behind a live one within seconds (TTLs differ per kind of session)', async () => {
    let now = 0;
    const store = new MemorySessionStore<number>({ maxEntries: 1000, clock: () => now });
    await store.set('sms', 0, 3_600_000);
    for (let i = 0; i < 50; i += 1) await store.set(`ended${i}`, i, 60_000);
    now = 70_000;
    await store.set('next', 1, 60_000);
    expect(store.size).toBe(2);
  });

  it('deletes', async () => {
    const store = new MemorySessionStore<number>({ maxEntries: 10 });
    await store.set('a', 1, 1000);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });
});
