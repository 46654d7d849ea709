import { SandboxPool } from '@flowport/sandbox';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { buildConnectorPackage, type BuiltConnector } from '@flowport/testing';

jest.setTimeout(30_000);

type Seen = { method: string; url: string; headers: IncomingMessage['headers']; body: string };

describe('Send Request in the sandbox against a local server', () => {
  let server: Server;
  let base: string;
  let pool: SandboxPool;
  let built: BuiltConnector;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url!.startsWith('/missing')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no such order' }));
        } else if (req.url!.startsWith('/text')) {
          res.writeHead(200, { 'content-type': 'text/plain', 'x-trace': 't-1' }).end('plain answer');
        } else {
          res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ ok: true, echo: body }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    built = await buildConnectorPackage(join(__dirname, '..'));
    pool = new SandboxPool({ timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await pool?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  // The test server is on 127.0.0.1: granted per call, as the platform grants a flow step's host.
  async function send(props: Record<string, unknown>, account: Record<string, unknown> = { authType: 'none' }) {
    const result = await pool.call({
      bundle: { code: built.code, integrity: built.integrity },
      op: 'action.run',
      target: 'send-request',
      input: { props, account },
      capabilities: { allowedHosts: ['127.0.0.1'], allowPrivateNetwork: true },
    });
    return result;
  }
  async function ok(props: Record<string, unknown>, account?: Record<string, unknown>) {
    const result = await send(props, account);
    if (!result.ok) throw new Error(`${result.error.name}: ${result.error.message}`);
    return result.output as { status: number; headers: Record<string, string>; body: unknown };
  }

  it('POSTs JSON with headers and query, bearer auth; returns status, headers and the parsed body', async () => {
    seen.length = 0;
    const out = await ok(
      { method: 'POST', url: `${base}/orders?source=flow`, headers: { 'X-Request-Id': 'r-1' }, query: { status: 'new order', tag: ['a', 'b'] }, bodyType: 'json', body: { orderId: 'A-1', qty: 2 } },
      { authType: 'bearer', token: 'tok-123' },
    );
    expect(out.status).toBe(201);
    expect(out.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(out.body).toEqual({ ok: true, echo: '{"orderId":"A-1","qty":2}' });
    const [req] = seen;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/orders?source=flow&status=new+order&tag=a&tag=b');
    expect(req.headers).toMatchObject({ authorization: 'Bearer tok-123', 'x-request-id': 'r-1', 'content-type': 'application/json' });
  });

  it('sends a form body with basic auth (UTF-8 credentials) and a raw body with an API key header', async () => {
    seen.length = 0;
    await ok({ method: 'PUT', url: `${base}/form`, bodyType: 'form', body: { name: 'Zoë & co', n: 3 } }, { authType: 'basic', username: 'zoë', password: 'p:ss' });
    await ok({ method: 'PATCH', url: `${base}/raw`, bodyType: 'raw', body: 'line 1\nline 2', headers: { 'Content-Type': 'text/csv' } }, { authType: 'apiKey', apiKeyHeader: 'X-Api-Key', apiKey: 'k-9' });
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'name=Zo%C3%AB+%26+co&n=3', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('zoë:p:ss').toString('base64')}` } });
    expect(seen[1]).toMatchObject({ method: 'PATCH', body: 'line 1\nline 2', headers: { 'content-type': 'text/csv', 'x-api-key': 'k-9' } });
    expect(seen[1].headers.authorization).toBeUndefined();
  });

  it('returns text bodies as text', async () => {
    const out = await ok({ url: `${base}/text` });
    expect(out).toMatchObject({ status: 200, body: 'plain answer', headers: expect.objectContaining({ 'x-trace': 't-1' }) });
  });

  it('fails on a 4xx naming the status, method and URL; or returns it when told not to fail', async () => {
    const failed = await send({ url: `${base}/missing/7` });
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error.message).toBe(`HTTP 404 from GET ${base}/missing/7: {"error":"no such order"}`);
    const out = await ok({ url: `${base}/missing/7`, failOnHttpError: false });
    expect(out).toMatchObject({ status: 404, body: { error: 'no such order' } });
  });

  it('refuses a body on GET and a non-http URL with a message that says what to change', async () => {
    const get = await send({ url: `${base}/x`, bodyType: 'json', body: { a: 1 } });
    expect(!get.ok && get.error.message).toBe('A GET request cannot have a body; set Body Type to None or use POST');
    const ftp = await send({ url: 'ftp://example.com/file' });
    expect(!ftp.ok && ftp.error.message).toBe('URL must start with http:// or https:// (got "ftp://example.com/file")');
  });
});
