import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { signRequest, utf8 } from '../src/lib/common/sigv4';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d);

// The AWS SDK's signer with Node's crypto as its hash: the reference our sandbox-safe signer must match.
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

async function reference(url: string, headers: Record<string, string>, body: string, date: Date, sessionToken?: string): Promise<string> {
  const u = new URL(url);
  const signer = new SignatureV4({
    service: 'sqs',
    region: 'eu-west-1',
    sha256: NodeSha256,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken },
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: u.protocol,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : undefined,
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: { ...headers, host: u.host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
      body,
    },
    { signingDate: date },
  );
  return signed.headers.authorization;
}

describe('SigV4 signer (sandbox-safe)', () => {
  const date = new Date('2026-11-26T03:04:05Z');
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

  it.each([
    ['AWS endpoint, JSON body', 'https://sqs.eu-west-1.amazonaws.com/', '{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/1/q","MessageBody":"héllo ✓ 😀"}', undefined],
    ['custom endpoint with a port, path and query', 'http://127.0.0.1:9324/some%20path/x?b=2&a=1', '{}', 'session/token=='],
  ])('matches the AWS SDK signer: %s', async (_name, url, body, sessionToken) => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' };
    const ours = signRequest({ method: 'POST', url, headers, body }, { service: 'sqs', region: 'eu-west-1', credentials: { ...credentials, sessionToken }, date });
    expect(ours.authorization).toBe(await reference(url, headers, body, date, sessionToken));
    expect(ours['x-amz-date']).toBe('20261126T030405Z');
    expect(ours.host).toBeUndefined();
    if (sessionToken) expect(ours['x-amz-security-token']).toBe(sessionToken);
  });

  it('a different secret gives a different signature', () => {
    const req = { method: 'POST', url: 'https://sqs.eu-west-1.amazonaws.com/', headers: {}, body: '{}' };
    const a = signRequest(req, { service: 'sqs', region: 'eu-west-1', credentials, date }).authorization;
    const b = signRequest(req, { service: 'sqs', region: 'eu-west-1', credentials: { ...credentials, secretAccessKey: 'other' }, date }).authorization;
    expect(a).not.toBe(b);
  });

  it('utf8 encodes like Buffer', () => {
    const text = 'a é ✓ 😀 \u0000';
    expect(Buffer.from(utf8(text))).toEqual(Buffer.from(text, 'utf8'));
  });
});
