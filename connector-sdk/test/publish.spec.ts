import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, scaffold, tempDir } from './cli-helpers';

// Spawns processes and bundles; the root Jest config's 5 s default is too tight on a loaded machine.
jest.setTimeout(60_000);

interface Received {
  method?: string;
  url?: string;
  authorization?: string;
  body: { manifest: { name: string }; bundle: string; integrity: string };
}

/** A stand-in registry: answers with `reply` and records what it got. */
async function startRegistry(reply: (body: Received['body']) => { status: number; body: unknown }) {
  const received: Received[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Received['body'];
    received.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
    const answer = reply(body);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('flowport connector publish', () => {
  const tmp = tempDir('publish');
  let dir: string;
  beforeAll(async () => {
    dir = await scaffold(tmp.dir, 'acme-publish');
    const built = await run(['connector', 'build'], dir);
    if (built.code !== 0) throw new Error(built.stderr);
  });
  afterAll(() => tmp.cleanup());

  it('POSTs manifest, bundle and integrity with the bearer token', async () => {
    const registry = await startRegistry((body) => ({ status: 201, body: { name: body.manifest.name, version: '0.1.0' } }));
    try {
      const result = await run(['connector', 'publish', '--registry', `${registry.url}/`], dir, { FLOWPORT_TOKEN: 'fp_test_key' });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/read\s+\d+ ms {2}connector\.js/);
      expect(result.stdout).toMatch(/upload\s+\d+ ms {2}HTTP 201/);
      expect(result.stdout).toContain('Published acme-publish@0.1.0 (sha256-');
      expect(registry.received).toHaveLength(1);
      const [got] = registry.received;
      expect(got).toMatchObject({ method: 'POST', url: '/api/v1/registry/connectors', authorization: 'Bearer fp_test_key' });
      expect(got.body.bundle).toBe(readFileSync(join(dir, 'dist', 'connector.js'), 'utf8'));
      expect(got.body.integrity).toBe(readFileSync(join(dir, 'dist', 'integrity.txt'), 'utf8'));
      expect(got.body.manifest).toEqual(JSON.parse(readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8')));
    } finally {
      await registry.close();
    }
  });

  it("prints the registry's error message and each detail as path: message, exit 1", async () => {
    const registry = await startRegistry(() => ({
      status: 422,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'The manifest is invalid',
          details: [
            { path: 'triggers[0].props.batchSize', message: 'maximum is 1000' },
            { path: 'version', message: '0.1.0 is already published; bump the version' },
          ],
        },
      },
    }));
    try {
      const result = await run(['connector', 'publish'], dir, { FLOWPORT_REGISTRY_URL: registry.url, FLOWPORT_TOKEN: 'k' });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'publish failed: HTTP 422: The manifest is invalid\n' +
          '  triggers[0].props.batchSize: maximum is 1000\n' +
          '  version: 0.1.0 is already published; bump the version\n',
      );
    } finally {
      await registry.close();
    }
  });

  it('refuses a stale build and an unreachable registry', async () => {
    const integrity = join(dir, 'dist', 'integrity.txt');
    const original = readFileSync(integrity, 'utf8');
    writeFileSync(integrity, 'sha256-AAAA');
    try {
      const stale = await run(['connector', 'publish', '--registry', 'http://127.0.0.1:9', '--token', 'k'], dir);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('dist/integrity.txt does not match dist/connector.js: run flowport connector build again');
    } finally {
      writeFileSync(integrity, original);
    }
    const down = await run(['connector', 'publish', '--registry', 'http://127.0.0.1:9', '--token', 'k'], dir);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the registry at http://127.0.0.1:9');
  });
});
