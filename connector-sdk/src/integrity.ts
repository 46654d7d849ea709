import { createHash } from 'node:crypto';

/** SRI-style integrity of a bundle: `sha256-<base64 of the SHA-256 of its UTF-8 bytes>`. */
export function integrityOf(code: string): string {
  return `sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}`;
}
