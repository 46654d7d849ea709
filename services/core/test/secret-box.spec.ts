import { generateSecretKeyEntry, loadOrCreateLocalSecretKeys, parseSecretKeys, SecretBox } from '../src';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('SecretBox (AES-256-GCM)', () => {
  const ring = parseSecretKeys(generateSecretKeyEntry('v1'));
  const box = new SecretBox(ring);
  const ctx = ['workspace-a', 'account-1'];

  it('round-trips and uses a fresh IV each time', () => {
    const a = box.seal('s3cret', ctx);
    const b = box.seal('s3cret', ctx);
    expect(a.iv).not.toBe(b.iv);
    expect(a.data).not.toBe(b.data);
    expect(box.open(a, ctx)).toBe('s3cret');
  });

  it('rejects tampered ciphertext', () => {
    const sealed = box.seal('s3cret', ctx);
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[0] ^= 0x01;
    expect(() => box.open({ ...sealed, data: bytes.toString('base64') }, ctx)).toThrow(/failed authentication/);
    const tag = Buffer.from(sealed.tag, 'base64');
    tag[3] ^= 0x80;
    expect(() => box.open({ ...sealed, tag: tag.toString('base64') }, ctx)).toThrow(/failed authentication/);
  });

  it('rejects ciphertext moved to another workspace or account', () => {
    const sealed = box.seal('s3cret', ctx);
    expect(() => box.open(sealed, ['workspace-b', 'account-1'])).toThrow(/failed authentication/);
    expect(() => box.open(sealed, ['workspace-a', 'account-2'])).toThrow(/failed authentication/);
  });

  it('rotates: old versions still decrypt, new writes use the newest key', () => {
    const v1 = generateSecretKeyEntry('v1');
    const oldBox = new SecretBox(parseSecretKeys(v1));
    const old = oldBox.seal('before rotation', ctx);
    const rotated = new SecretBox(parseSecretKeys(`${generateSecretKeyEntry('v2')},${v1}`));
    expect(rotated.open(old, ctx)).toBe('before rotation');
    const fresh = rotated.seal('after rotation', ctx);
    expect(fresh.v).toBe('v2');
    expect(() => oldBox.open(fresh, ctx)).toThrow(/key version "v2"/);
  });

  it('refuses a relabelled key version', () => {
    const v1 = generateSecretKeyEntry('v1');
    const both = new SecretBox(parseSecretKeys(`${v1.replace('v1:', 'v2:')},${v1}`));
    const sealed = both.seal('x', ctx);
    expect(() => both.open({ ...sealed, v: 'v1' }, ctx)).toThrow(/failed authentication/);
  });

  it('validates FLOWPORT_SECRET_KEYS with messages naming the variable', () => {
    expect(() => parseSecretKeys('v1:' + Buffer.alloc(16).toString('base64'))).toThrow('FLOWPORT_SECRET_KEYS key "v1" must be 32 bytes of base64 (got 16 bytes)');
    expect(() => parseSecretKeys('nocolon')).toThrow(/must look like <version>:<base64/);
    expect(() => parseSecretKeys('')).toThrow(/at least one/);
  });

  it('keeps a generated embedded key in FLOWPORT_HOME with mode 0600', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-keys-'));
    try {
      const first = loadOrCreateLocalSecretKeys(home);
      expect(first.created).toBe(true);
      expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
      const second = loadOrCreateLocalSecretKeys(home);
      expect(second).toEqual({ ...first, created: false });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
