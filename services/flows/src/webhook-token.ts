import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_TOKEN_PREFIX = 'fpwh_';

/** A new webhook token: 32 random bytes, so a plain sha256 of it is as strong as the token (like API keys). */
export function generateWebhookToken(): { token: string; hash: string } {
  const token = `${WEBHOOK_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashWebhookToken(token) };
}

export function hashWebhookToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time check of a presented token against a stored hash. */
export function webhookTokenMatches(token: string, storedHash: string): boolean {
  const actual = Buffer.from(hashWebhookToken(token), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
