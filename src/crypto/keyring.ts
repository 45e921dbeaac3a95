import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

/** A sealed value: AES-256-GCM ciphertext with its tag, the nonce, and the id of the key that sealed it. */
export interface Sealed {
  keyId: string;
  nonce: string;
  ciphertext: string;
}

/**
 * The project's secrets: sealing keys (the first seals, all unseal, so keys can be
 * rotated) and the HMAC key that turns addresses into lookup hashes.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;
  private readonly sealingKeyId: string;

  constructor(
    dataKeys: Array<{ id: string; key: Buffer }>,
    private readonly hashKey: Buffer,
  ) {
    if (dataKeys.length === 0) throw new Error('DATA_KEYS: at least one key is needed');
    for (const { id, key } of dataKeys) {
      if (key.length !== 32) throw new Error(`DATA_KEYS: key "${id}" must be 32 bytes (base64 of 32 random bytes)`);
    }
    if (hashKey.length < 32) throw new Error('HASH_KEY: must be at least 32 bytes (base64)');
    this.keys = new Map(dataKeys.map(({ id, key }) => [id, key]));
    this.sealingKeyId = dataKeys[0].id;
  }

  /** Seals `plaintext` with the current key; `aad` binds it to its owner (the intake id). */
  seal(plaintext: string, aad: string): Sealed {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.keys.get(this.sealingKeyId)!, nonce);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { keyId: this.sealingKeyId, nonce: nonce.toString('base64'), ciphertext: body.toString('base64') };
  }

  /** Opens a sealed value; throws if the key is unknown, the data altered or the `aad` differs. */
  unseal(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error('unseal: unknown key id');
    const body = Buffer.from(sealed.ciphertext, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.nonce, 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash (HMAC-SHA256, hex) of a normalised value, for lookups and log correlation. */
  hash(value: string): string {
    return crypto.createHmac('sha256', this.hashKey).update(value, 'utf8').digest('hex');
  }
}

/**
 * Parses `id:base64key,id:base64key`. Ids are stored beside each sealed value, so
 * they must be short, plain and unique: a repeated id would make one of its keys
 * unreachable and seal under a key that is not the first one listed.
 */
export function parseDataKeys(value: string): Array<{ id: string; key: Buffer }> {
  const seen = new Set<string>();
  return value.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, Math.max(at, 0)).trim();
    if (at < 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error('DATA_KEYS: expected id:base64key[,id:base64key...] with ids of letters, digits, - or _');
    if (seen.has(id)) throw new Error(`DATA_KEYS: key id "${id}" is listed twice`);
    seen.add(id);
    return { id, key: Buffer.from(entry.slice(at + 1).trim(), 'base64') };
  });
}

/** Fresh values for DATA_KEYS and HASH_KEY. */
export function generateKeyValues(now: Date = new Date()): { DATA_KEYS: string; HASH_KEY: string } {
  const id = `k${now.toISOString().slice(0, 10).replace(/-/g, '')}`;
  return {
    DATA_KEYS: `${id}:${crypto.randomBytes(32).toString('base64')}`,
    HASH_KEY: crypto.randomBytes(32).toString('base64'),
  };
}

export interface KeyringSource {
  NODE_ENV: string;
  DATA_KEYS?: string;
  HASH_KEY?: string;
  DATA_DIR: string;
}

/**
 * Builds the keyring from configuration. In development, missing keys are generated
 * once into `data/keys.json` (with a warning) so a local trial needs no setup; in
 * production, missing keys stop the start.
 */
export function loadKeyring(config: KeyringSource, logger?: Pick<Logger, 'warn'>): Keyring {
  let dataKeys = config.DATA_KEYS;
  let hashKey = config.HASH_KEY;
  if (!dataKeys || !hashKey) {
    if (config.NODE_ENV === 'production') {
      throw new Error('DATA_KEYS and HASH_KEY are required in production (see `passerelle keys generate`)');
    }
    const file = path.resolve(config.DATA_DIR, 'keys.json');
    let stored: { DATA_KEYS: string; HASH_KEY: string };
    if (fs.existsSync(file)) {
      stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    } else {
      stored = generateKeyValues();
      // The data folder holds the database too: the owner's alone.
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
      logger?.warn({ file }, 'development keys generated; set DATA_KEYS and HASH_KEY for any real deployment');
    }
    dataKeys ??= stored.DATA_KEYS;
    hashKey ??= stored.HASH_KEY;
  }
  return new Keyring(parseDataKeys(dataKeys), Buffer.from(hashKey, 'base64'));
}
