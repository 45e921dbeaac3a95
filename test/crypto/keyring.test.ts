import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Keyring, loadKeyring, parseDataKeys } from '../../src/crypto/keyring';

const key = (byte: number) => Buffer.alloc(32, byte);

describe('Keyring', () => {
  const ring = new Keyring([{ id: 'k2', key: key(2) }], key(9));

  it('round-trips any text, bound to its associated data', () => {
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (text, aad) => {
        const sealed = ring.seal(text, aad);
        expect(ring.unseal(sealed, aad)).toBe(text);
        expect(() => ring.unseal(sealed, `${aad}x`)).toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('uses a fresh 96-bit nonce each time', () => {
    const a = ring.seal('+221770000000', 'id');
    const b = ring.seal('+221770000000', 'id');
    expect(Buffer.from(a.nonce, 'base64')).toHaveLength(12);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('detects tampering', () => {
    const sealed = ring.seal('+221770000000', 'id');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[0] ^= 1;
    expect(() => ring.unseal({ ...sealed, ciphertext: bytes.toString('base64') }, 'id')).toThrow();
  });

  it('rotates: the first key seals, older keys still unseal', () => {
    const old = new Keyring([{ id: 'k1', key: key(1) }], key(9));
    const sealedBefore = old.seal('+221770000000', 'id');
    const rotated = new Keyring(parseDataKeys(`k2:${key(2).toString('base64')},k1:${key(1).toString('base64')}`), key(9));
    expect(rotated.unseal(sealedBefore, 'id')).toBe('+221770000000');
    expect(rotated.seal('x', 'id').keyId).toBe('k2');
    expect(() => new Keyring([{ id: 'k2', key: key(2) }], key(9)).unseal(sealedBefore, 'id')).toThrow(/unknown key id/);
  });

  it('hashes with a key: the same input gives the same hash, another key another hash', () => {
    expect(ring.hash('+221770000000')).toBe(ring.hash('+221770000000'));
    expect(ring.hash('+221770000000')).not.toBe(new Keyring([{ id: 'k2', key: key(2) }], key(8)).hash('+221770000000'));
    expect(ring.hash('+221770000000')).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['a repeated id', `k1:${key(1).toString('base64')},k1:${key(2).toString('base64')}`, /"k1" is listed twice/],
    ['an empty id', ` :${key(1).toString('base64')}`, /expected id:base64key/],
    ['no id at all', key(1).toString('base64'), /expected id:base64key/],
  ])('refuses DATA_KEYS with %s', (_label, value, message) => {
    expect(() => parseDataKeys(value)).toThrow(message);
  });

  it('refuses keys of the wrong size', () => {
    expect(() => new Keyring([{ id: 'k', key: Buffer.alloc(16) }], key(9))).toThrow(/32 bytes/);
    expect(() => new Keyring([{ id: 'k', key: key(1) }], Buffer.alloc(8))).toThrow(/HASH_KEY/);
  });
});

describe('loadKeyring', () => {
  it('generates development keys once and reuses them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keys-'));
    const warnings: unknown[] = [];
    const a = loadKeyring({ NODE_ENV: 'development', DATA_DIR: dir }, { warn: (...args: unknown[]) => warnings.push(args) } as never);
    const b = loadKeyring({ NODE_ENV: 'development', DATA_DIR: dir });
    expect(warnings).toHaveLength(1);
    expect(b.unseal(a.seal('x', 'id'), 'id')).toBe('x');
    expect(fs.statSync(path.join(dir, 'keys.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses to run in production without keys', () => {
    expect(() => loadKeyring({ NODE_ENV: 'production', DATA_DIR: '/nonexistent' })).toThrow(/required in production/);
  });
});
