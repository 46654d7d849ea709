import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'fp_';
const LOOKUP_LENGTH = 10;

/** A new key: `fp_` + 32 random bytes in base64url (256 bits of entropy). */
export function generateApiKey(): { key: string; lookupPrefix: string; keyHash: string } {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, lookupPrefix: lookupPrefixOf(key)!, keyHash: hashApiKey(key) };
}

export function lookupPrefixOf(key: string): string | null {
  if (!key.startsWith(KEY_PREFIX) || key.length < KEY_PREFIX.length + 32) return null;
  return key.slice(KEY_PREFIX.length, KEY_PREFIX.length + LOOKUP_LENGTH);
}

/**
 * A plain sha256 is enough here, unlike for passwords: the key is 256 random bits, so
 * guessing a key from its hash is as hard as guessing the key itself, and a slow hash
 * (bcrypt, scrypt) would only add latency to every request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison so response timing does not leak how much of a hash matched. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
