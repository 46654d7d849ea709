import { createHash, createPublicKey, KeyObject, timingSafeEqual, verify } from 'node:crypto';

const ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

/** Subresource-Integrity string of a bundle's UTF-8 bytes, e.g. `sha256-<base64>`. */
export function computeIntegrity(bundle: string, algorithm: Algorithm = 'sha256'): string {
  return `${algorithm}-${createHash(algorithm).update(bundle, 'utf8').digest('base64')}`;
}

/** Null when it matches; otherwise what is wrong, in words a publisher can act on. */
export function checkIntegrity(bundle: string, integrity: string): string | null {
  const dash = integrity.indexOf('-');
  const algorithm = integrity.slice(0, dash) as Algorithm;
  if (dash <= 0 || !ALGORITHMS.includes(algorithm)) {
    return `integrity must be "<sha256|sha384|sha512>-<base64 digest>" (got "${integrity.slice(0, 20)}")`;
  }
  const expected = Buffer.from(computeIntegrity(bundle, algorithm));
  const actual = Buffer.from(integrity);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return `integrity does not match the bundle: the bundle hashes to ${expected.toString()}; rebuild and publish the bundle and integrity from the same build`;
  }
  return null;
}

/** Accepts an SPKI PEM or a raw 32-byte ed25519 key in base64; returns the SPKI PEM. */
export function normalizeEd25519PublicKey(input: string): string {
  let key: KeyObject;
  const trimmed = input.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    key = createPublicKey(trimmed);
  } else {
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length !== 32) throw new Error(`publicKey must be an SPKI PEM or 32 raw bytes in base64 (got ${raw.length} bytes)`);
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`publicKey must be an ed25519 key (got ${key.asymmetricKeyType})`);
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** ed25519 signature (base64) over the integrity string's UTF-8 bytes. */
export function verifySignature(integrity: string, signatureBase64: string, publicKeyPem: string): boolean {
  try {
    return verify(null, Buffer.from(integrity, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
