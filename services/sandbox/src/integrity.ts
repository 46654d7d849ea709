import { createHash } from 'node:crypto';
import { SandboxError } from './errors';

const ALGORITHMS = new Set(['sha256', 'sha384', 'sha512']);

/** Subresource-integrity string of a bundle: `sha256-<base64 of the SHA-256 of the UTF-8 code>`. */
export function integrityOf(code: string): string {
  return `sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}`;
}

/** Throws BundleIntegrityError unless `code` hashes to `integrity` (sha256/384/512 accepted). */
export function verifyIntegrity(code: string, integrity: string): void {
  if (typeof code !== 'string' || typeof integrity !== 'string') {
    throw new SandboxError('BundleIntegrityError', 'bundle must be { code: string, integrity: string }');
  }
  const dash = integrity.indexOf('-');
  const algorithm = dash > 0 ? integrity.slice(0, dash) : '';
  if (!ALGORITHMS.has(algorithm)) {
    throw new SandboxError('BundleIntegrityError', `bundle integrity "${integrity.slice(0, 80)}" is not of the form sha256-<base64>; compute it with integrityOf(code)`);
  }
  const actual = `${algorithm}-${createHash(algorithm).update(code, 'utf8').digest('base64')}`;
  if (actual !== integrity) {
    throw new SandboxError(
      'BundleIntegrityError',
      `bundle integrity mismatch: expected ${integrity}, the code hashes to ${actual}; the bundle was altered or the recorded integrity is stale (rebuild and republish the connector version)`,
    );
  }
}
