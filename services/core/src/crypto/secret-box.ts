import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface SecretKey {
  version: string;
  key: Buffer;
}

/** What is stored for one encrypted value; every part is needed to decrypt it. */
export interface SealedSecret {
  /** Key version used; lets old rows decrypt after rotation. */
  v: string;
  iv: string;
  tag: string;
  data: string;
}

export class SecretKeyError extends Error {}

/**
 * Parses `FLOWPORT_SECRET_KEYS` (`v2:<base64 32 bytes>,v1:...`, newest first).
 * The first key encrypts; every key decrypts, which is what makes rotation possible.
 */
export function parseSecretKeys(raw: string): SecretKey[] {
  const keys: SecretKey[] = [];
  for (const entry of raw.split(',').map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new SecretKeyError(`FLOWPORT_SECRET_KEYS entry "${entry.slice(0, 8)}..." must look like <version>:<base64 of 32 bytes>`);
    }
    const version = entry.slice(0, colon);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(version)) {
      throw new SecretKeyError(`FLOWPORT_SECRET_KEYS version "${version}" may contain only letters, digits, _ and -`);
    }
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) {
      throw new SecretKeyError(`FLOWPORT_SECRET_KEYS key "${version}" must be 32 bytes of base64 (got ${key.length} bytes)`);
    }
    if (keys.some((k) => k.version === version)) throw new SecretKeyError(`FLOWPORT_SECRET_KEYS lists version "${version}" twice`);
    keys.push({ version, key });
  }
  if (keys.length === 0) throw new SecretKeyError('FLOWPORT_SECRET_KEYS must contain at least one <version>:<base64 key>');
  return keys;
}

export function generateSecretKeyEntry(version = 'v1'): string {
  return `${version}:${randomBytes(32).toString('base64')}`;
}

/**
 * Embedded mode only: keeps a generated key ring in FLOWPORT_HOME/secret-keys (mode 0600) so
 * accounts stay readable across restarts. Returns the ring text and whether it was just created.
 */
export function loadOrCreateLocalSecretKeys(home: string): { raw: string; file: string; created: boolean } {
  const file = path.join(home, 'secret-keys');
  if (fs.existsSync(file)) return { raw: fs.readFileSync(file, 'utf8').trim(), file, created: false };
  fs.mkdirSync(home, { recursive: true });
  const raw = generateSecretKeyEntry('v1');
  fs.writeFileSync(file, `${raw}\n`, { mode: 0o600, flag: 'wx' });
  return { raw, file, created: true };
}

/**
 * AES-256-GCM with a random 12-byte IV per value. The associated data binds a ciphertext to
 * where it belongs (caller passes e.g. workspace id + account id): a ciphertext copied to
 * another row fails authentication instead of decrypting there. The key version is part of
 * the associated data too, so the version label cannot be swapped.
 */
export class SecretBox {
  private readonly keys: SecretKey[];

  constructor(keys: SecretKey[]) {
    if (keys.length === 0) throw new SecretKeyError('SecretBox needs at least one key');
    this.keys = keys;
  }

  get currentVersion(): string {
    return this.keys[0].version;
  }

  seal(plaintext: string, context: string[]): SealedSecret {
    const { version, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(context, version));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { v: version, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(sealed: SealedSecret, context: string[]): string {
    const entry = this.keys.find((k) => k.version === sealed.v);
    if (!entry) throw new SecretKeyError(`Secret was encrypted with key version "${sealed.v}", which is not in FLOWPORT_SECRET_KEYS; add it back to decrypt`);
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(context, sealed.v));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError('Secret failed authentication: it was altered or does not belong to this record');
    }
  }
}

function aad(context: string[], version: string): Buffer {
  // JSON keeps the parts unambiguous ("a|b" + "c" vs "a" + "b|c").
  return Buffer.from(JSON.stringify([...context, version]), 'utf8');
}

/** Injection token for the process-wide SecretBox. */
export const SECRET_BOX = Symbol('SECRET_BOX');
