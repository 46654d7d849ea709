import { SandboxPool, integrityOf, isHostAllowed, type JsonValue, type KeyValueStore, type SqlCapability } from '../src';
import { bundleOf } from './bundles';
import { startServer, type TestServer } from './servers';

/** A working in-memory KeyValueStore, standing in for the runtime's PostgreSQL-backed one. */
class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, JsonValue>();
  async get(key: string) {
    return this.data.has(key) ? this.data.get(key)! : null;
  }
  async set(key: string, value: JsonValue) {
    this.data.set(key, value);
  }
  async delete(key: string) {
    this.data.delete(key);
  }
}

const connector = bundleOf({
  echo: `async (input) => ({ echo: input })`,
  mutateInput: `async (input) => { input.list.push(4); input.added = true; return input; }`,
  logs: `async (input, ctx) => {
    ctx.log.debug('starting', { step: 1 });
    ctx.log.info('count', 2, [3]);
    console.log('from console');
    ctx.log.warn('careful');
    ctx.log.error(new TypeError('bad thing'));
    return 'logged';
  }`,
  store: `async (input, ctx) => {
    const before = await ctx.store.get('cursor');
    await ctx.store.set('cursor', { at: input.at, seen: ['a', 'b'] });
    const after = await ctx.store.get('cursor');
    await ctx.store.set('temp', 1);
    await ctx.store.delete('temp');
    return { before, after, temp: await ctx.store.get('temp') };
  }`,
  fetch: `async (input, ctx) => ctx.http.fetch(input.url, input.init)`,
  fetchError: `async (input, ctx) => {
    try { await ctx.http.fetch(input.url); return 'fetched'; }
    catch (e) { return { name: e.name, message: e.message }; }
  }`,
  sql: `async (input, ctx) => ctx.sql.query('select $1::int + 1 as n', [41])`,
  fails: `async () => { const e = new TypeError('amount must be a number'); e.code = 'E_AMOUNT'; throw e; }`,
  big: `async (input) => 'x'.repeat(input.size)`,
  notJson: `async () => ({ n: 10n })`,
  counter: `(() => { let n = 0; return async () => ++n; })()`,
  forgotten: `async () => { Promise.reject(new Error('forgotten')); return 'returned'; }`,
  forgottenAfterAwait: `async (input, ctx) => { await ctx.store.get('k'); Promise.reject(new Error('forgotten later')); return 'returned'; }`,
  manyStoreCalls: `async (input, ctx) => {
    const results = await Promise.allSettled(Array.from({ length: input.n }, (_, i) => ctx.store.get('k' + i)));
    return results.map((r) => r.status === 'fulfilled' ? 'ok' : r.reason.name);
  }`,
  noSql: `async (input, ctx) => ({ sql: typeof ctx.sql })`,
  slowStore: `async (input, ctx) => { await ctx.store.get('slow'); return input.i; }`,
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function run(pool: SandboxPool, target: string, input: unknown = {}, capabilities = {}) {
  return pool.call({ bundle: connector, op: 'action.run', target, input, capabilities });
}

describe('SandboxPool', () => {
  let pool: SandboxPool;
  beforeEach(() => {
    pool = new SandboxPool({ timeoutMs: 2000, memoryLimitMb: 64 });
  });
  afterEach(() => pool.close());

  it('returns the output as a copy and never shares the input object with the guest', async () => {
    const input = { list: [1, 2, 3] };
    const result = await run(pool, 'mutateInput', input);
    expect(result).toMatchObject({ ok: true, output: { list: [1, 2, 3, 4], added: true } });
    expect(input).toEqual({ list: [1, 2, 3] });
    if (!result.ok) throw new Error('unreachable');
    expect(Object.getPrototypeOf(result.output)).toBe(Object.prototype);
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('returns log lines with their levels, console included', async () => {
    const result = await run(pool, 'logs');
    expect(result.ok).toBe(true);
    expect(result.logs.map((l) => [l.level, l.message.split('\n')[0]])).toEqual([
      ['debug', 'starting {"step":1}'],
      ['info', 'count 2 [3]'],
      ['info', 'from console'],
      ['warn', 'careful'],
      ['error', 'TypeError: bad thing'],
    ]);
    expect(Date.parse(result.logs[0].at)).not.toBeNaN();
  });

  it('round-trips values through the store capability', async () => {
    const store = new MemoryStore();
    const first = await run(pool, 'store', { at: '2026-01-01' }, { store });
    expect(first).toMatchObject({ ok: true, output: { before: null, after: { at: '2026-01-01', seen: ['a', 'b'] }, temp: null } });
    const second = await run(pool, 'store', { at: '2026-02-01' }, { store });
    expect(second).toMatchObject({ ok: true, output: { before: { at: '2026-01-01', seen: ['a', 'b'] } } });
    expect(store.data.get('cursor')).toEqual({ at: '2026-02-01', seen: ['a', 'b'] });
  });

  it('offers ctx.sql only to calls granted a SQL capability', async () => {
    expect(await run(pool, 'noSql')).toMatchObject({ ok: true, output: { sql: 'undefined' } });
  });

  it('limits the host calls one call may have in flight', async () => {
    const limited = new SandboxPool({ maxConcurrentHostCalls: 4 });
    const store: KeyValueStore = { get: () => new Promise<null>((resolve) => setTimeout(() => resolve(null), 500)), set: async () => {}, delete: async () => {} };
    try {
      const result = await limited.call({ bundle: connector, op: 'action.run', target: 'manyStoreCalls', input: { n: 6 }, capabilities: { store } });
      expect(result).toMatchObject({ ok: true, output: ['ok', 'ok', 'ok', 'ok', 'SandboxLimitError', 'SandboxLimitError'] });
    } finally {
      await limited.close();
    }
  });

  it('refuses ctx.store when the call was granted none', async () => {
    const result = await run(pool, 'store', { at: 'x' });
    expect(result).toMatchObject({ ok: false, error: { name: 'SandboxCapabilityError', message: expect.stringContaining('ctx.store is not available') } });
  });

  it('bridges the sql capability', async () => {
    const queries: Array<[string, JsonValue[]]> = [];
    const sql: SqlCapability = {
      async query(text, params) {
        queries.push([text, params]);
        return { rows: [{ n: Number(params[0]) + 1 }], rowCount: 1 };
      },
    };
    const result = await run(pool, 'sql', {}, { sql });
    expect(result).toMatchObject({ ok: true, output: { rows: [{ n: 42 }], rowCount: 1 } });
    expect(queries).toEqual([['select $1::int + 1 as n', [41]]]);
  });

  it('reports guest errors as plain name, message and stack strings', async () => {
    const result = await run(pool, 'fails');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.name).toBe('TypeError');
    expect(result.error.message).toBe('amount must be a number');
    expect(result.error.stack).toContain('TypeError: amount must be a number');
    expect(Object.keys(result.error).sort()).toEqual(['message', 'name', 'stack']);
  });

  it('charges a promise rejection left unhandled to its own call, never to the next one', async () => {
    const single = new SandboxPool({ maxIsolatesPerBundle: 1 });
    const store = new MemoryStore();
    try {
      for (const target of ['forgotten', 'forgottenAfterAwait']) {
        const result = await single.call({ bundle: connector, op: 'action.run', target, input: {}, capabilities: { store } });
        expect(result).toMatchObject({ ok: false, error: { name: 'SandboxUnhandledRejectionError', message: expect.stringMatching(/left a promise rejection unhandled \(Error: forgotten( later)?\)/) } });
        expect(await single.call({ bundle: connector, op: 'action.run', target: 'echo', input: 'next' })).toMatchObject({ ok: true, output: { echo: 'next' } });
      }
      expect(single.stats()).toMatchObject({ recycled: 2 });
    } finally {
      await single.close();
    }
  });

  it('refuses an op reserved for the prelude', async () => {
    const result = await pool.call({ bundle: connector, op: '$bind' as 'action.run', input: {} });
    expect(result).toMatchObject({ ok: false, error: { name: 'SandboxInputError', message: expect.stringContaining('"$bind"') } });
  });

  it('refuses output over the size cap and output that is not JSON', async () => {
    const small = new SandboxPool({ outputLimitBytes: 64 * 1024 });
    try {
      const tooBig = await small.call({ bundle: connector, op: 'action.run', target: 'big', input: { size: 100_000 } });
      expect(tooBig).toMatchObject({ ok: false, error: { name: 'SandboxOutputError', message: expect.stringContaining('over the 65536 limit') } });
      const fits = await small.call({ bundle: connector, op: 'action.run', target: 'big', input: { size: 1000 } });
      expect(fits).toMatchObject({ ok: true, output: 'x'.repeat(1000) });
      const bigint = await small.call({ bundle: connector, op: 'action.run', target: 'notJson', input: {} });
      expect(bigint).toMatchObject({ ok: false, error: { name: 'SandboxOutputError', message: expect.stringContaining('not JSON-serialisable') } });
    } finally {
      await small.close();
    }
  });

  it('refuses a bundle whose integrity does not match its code, before compiling it', async () => {
    const tampered = { code: connector.code.replace('echo: input', 'echo: 666'), integrity: connector.integrity };
    const result = await pool.call({ bundle: tampered, op: 'action.run', target: 'echo', input: {} });
    expect(result).toMatchObject({ ok: false, error: { name: 'BundleIntegrityError', message: expect.stringContaining('integrity mismatch') } });
    expect(pool.stats().created).toBe(0);
    const malformed = await pool.call({ bundle: { code: connector.code, integrity: 'md5-abc' }, op: 'action.run', target: 'echo', input: {} });
    expect(malformed).toMatchObject({ ok: false, error: { name: 'BundleIntegrityError', message: expect.stringContaining('sha256-<base64>') } });
    // A warm isolate for the real integrity must not let altered code ride on it either.
    expect((await run(pool, 'echo', 1)).ok).toBe(true);
    expect(await pool.call({ bundle: tampered, op: 'action.run', target: 'echo', input: {} })).toMatchObject({ ok: false, error: { name: 'BundleIntegrityError' } });
  });

  it('computes SRI-style integrity strings', () => {
    expect(integrityOf('')).toBe('sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('loads a manifest from a fresh isolate and reports broken bundles', async () => {
    expect(await pool.loadManifest(connector)).toMatchObject({ name: 'test-connector', actions: expect.arrayContaining([{ name: 'echo' }]) });
    const noEntry = `globalThis.somethingElse = 1;`;
    await expect(pool.loadManifest({ code: noEntry, integrity: integrityOf(noEntry) })).rejects.toMatchObject({ name: 'BundleContractError' });
    const throws = `throw new RangeError('bad bundle');`;
    await expect(pool.loadManifest({ code: throws, integrity: integrityOf(throws) })).rejects.toMatchObject({
      name: 'BundleLoadError',
      message: expect.stringContaining('RangeError: bad bundle'),
    });
    expect(pool.stats().isolates).toBe(0);
  });

  it('reuses a warm isolate per bundle and keeps partitions apart', async () => {
    const counts: unknown[] = [];
    for (let i = 0; i < 3; i++) counts.push((await pool.call({ bundle: connector, op: 'action.run', target: 'counter', input: {}, partition: 'ws-a' })) as unknown);
    const other = await pool.call({ bundle: connector, op: 'action.run', target: 'counter', input: {}, partition: 'ws-b' });
    expect(counts.map((r) => (r as { output: number }).output)).toEqual([1, 2, 3]);
    expect(other).toMatchObject({ ok: true, output: 1 });
    expect(pool.stats()).toMatchObject({ isolates: 2, created: 2, calls: 4 });
  });

  it('runs concurrent calls on at most maxIsolatesPerBundle isolates', async () => {
    const limited = new SandboxPool({ maxIsolatesPerBundle: 2 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = 0;
    const store: KeyValueStore = { get: async () => { waiting++; await gate; return null; }, set: async () => {}, delete: async () => {} };
    try {
      const calls = [0, 1, 2, 3, 4].map((i) => limited.call({ bundle: connector, op: 'action.run', target: 'slowStore', input: { i }, capabilities: { store } }));
      await until(() => waiting === 2);
      await new Promise((r) => setTimeout(r, 50));
      expect(waiting).toBe(2);
      expect(limited.stats()).toMatchObject({ isolates: 2, busy: 2, queued: 3 });
      release();
      const results = await Promise.all(calls);
      expect(results.map((r) => (r.ok ? r.output : r.error.message))).toEqual([0, 1, 2, 3, 4]);
      expect(limited.stats()).toMatchObject({ isolates: 2, busy: 0, queued: 0, created: 2 });
    } finally {
      await limited.close();
    }
  });

  it.each([false, true])('fails every queued call of a bundle that cannot load, instead of leaving them waiting (inline %s)', async (inlineExecution) => {
    const single = new SandboxPool({ maxIsolatesPerBundle: 1, inlineExecution });
    const code = `throw new Error('broken at load');`;
    try {
      const results = await Promise.all([1, 2, 3].map(() => single.call({ bundle: { code, integrity: integrityOf(code) }, op: 'action.run', target: 'x', input: {} })));
      for (const r of results) expect(r).toMatchObject({ ok: false, error: { name: 'BundleLoadError', message: expect.stringContaining('Error: broken at load') } });
      expect(single.stats()).toMatchObject({ isolates: 0, queued: 0 });
    } finally {
      await single.close();
    }
  });

  it('disposes isolates that stay idle longer than idleTtlMs', async () => {
    const shortLived = new SandboxPool({ idleTtlMs: 50 });
    try {
      expect((await shortLived.call({ bundle: connector, op: 'action.run', target: 'echo', input: 1 })).ok).toBe(true);
      expect(shortLived.stats().isolates).toBe(1);
      await until(() => shortLived.stats().isolates === 0);
      expect(shortLived.stats()).toMatchObject({ isolates: 0, evicted: 1 });
      expect((await shortLived.call({ bundle: connector, op: 'action.run', target: 'echo', input: 2 })).ok).toBe(true);
    } finally {
      await shortLived.close();
    }
  });

  it('runs calls inline on the host thread when asked, with the same deadline', async () => {
    const inline = new SandboxPool({ inlineExecution: true, timeoutMs: 500, maxIsolatesPerBundle: 1 });
    const looping = bundleOf({ spin: `async () => { for (;;) {} }`, echo: `async (input) => input` });
    try {
      expect(await inline.call({ bundle: connector, op: 'action.run', target: 'echo', input: [1, 'a'] })).toMatchObject({ ok: true, output: { echo: [1, 'a'] } });
      expect(await inline.call({ bundle: connector, op: 'action.run', target: 'store', input: { at: 'x' }, capabilities: { store: new MemoryStore() } })).toMatchObject({ ok: true, output: { after: { at: 'x' } } });
      const started = Date.now();
      expect(await inline.call({ bundle: looping, op: 'action.run', target: 'spin', input: {} })).toMatchObject({ ok: false, error: { name: 'SandboxTimeoutError' } });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await inline.call({ bundle: looping, op: 'action.run', target: 'echo', input: 7 })).toMatchObject({ ok: true, output: 7 });
    } finally {
      await inline.close();
    }
  });

  it('refuses to start without --no-node-snapshot and says how to fix it', () => {
    const { execArgv } = process;
    const nodeOptions = process.env.NODE_OPTIONS;
    try {
      process.execArgv = execArgv.filter((a) => a !== '--no-node-snapshot');
      process.env.NODE_OPTIONS = '--max-old-space-size=512';
      expect(() => new SandboxPool()).toThrow(/needs Node started with --no-node-snapshot .*NODE_OPTIONS=--no-node-snapshot/);
    } finally {
      process.execArgv = execArgv;
      process.env.NODE_OPTIONS = nodeOptions;
    }
  });

  it('keeps the total number of isolates at maxIsolates by retiring the least recently used idle one', async () => {
    const capped = new SandboxPool({ maxIsolates: 2 });
    try {
      for (const partition of ['a', 'b', 'a', 'c']) {
        expect(await capped.call({ bundle: connector, op: 'action.run', target: 'counter', input: {}, partition })).toMatchObject({ ok: true });
      }
      expect(capped.stats()).toMatchObject({ isolates: 2, evicted: 1, created: 3 });
      // 'a' was used more recently than 'b', so 'b' made way and 'a' kept its module state.
      expect(await capped.call({ bundle: connector, op: 'action.run', target: 'counter', input: {}, partition: 'a' })).toMatchObject({ ok: true, output: 3 });
    } finally {
      await capped.close();
    }
  });

  it('answers calls after close() with SandboxClosedError', async () => {
    await pool.close();
    expect(await run(pool, 'echo')).toMatchObject({ ok: false, error: { name: 'SandboxClosedError' } });
  });

  describe('http capability', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer((req, res, body) => {
        if (req.url === '/hang') return; // never answers
      if (req.url === '/loop') {
          res.writeHead(302, { location: '/loop' }).end();
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json', 'x-seen-method': req.method ?? '' });
        res.end(JSON.stringify({ path: req.url, body, auth: req.headers.authorization ?? null }));
      });
    });
    afterAll(() => server.close());

    it('reaches an allowed host and returns status, headers and body', async () => {
      const url = `http://localhost:${server.port}/items?x=1`;
      const result = await run(pool, 'fetch', { url, init: { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{"a":1}' } }, { allowedHosts: ['localhost'], allowPrivateNetwork: true });
      expect(result).toMatchObject({ ok: true, output: { status: 201, headers: { 'content-type': 'application/json', 'x-seen-method': 'POST' } } });
      if (!result.ok) return;
      expect(JSON.parse((result.output as { body: string }).body)).toEqual({ path: '/items?x=1', body: '{"a":1}', auth: 'Bearer t' });
    });

    it('refuses a host that is not in allowedHosts', async () => {
      const result = await run(pool, 'fetchError', { url: `http://localhost:${server.port}/` }, { allowedHosts: ['api.example.com', '*.slack.com'], allowPrivateNetwork: true });
      expect(result).toMatchObject({
        ok: true,
        output: { name: 'HttpBlockedError', message: expect.stringMatching(/localhost refused: the host is not in this connector's allowed hosts \(api\.example\.com, \*\.slack\.com\)/) },
      });
      const none = await run(pool, 'fetchError', { url: `http://localhost:${server.port}/` }, {});
      expect(none).toMatchObject({ output: { name: 'HttpBlockedError', message: expect.stringContaining('none declared') } });
      expect(server.hits).not.toContain('GET /');
    });

    it('stops following redirects after five hops', async () => {
      const result = await run(pool, 'fetchError', { url: `http://localhost:${server.port}/loop` }, { allowedHosts: ['localhost'], allowPrivateNetwork: true });
      expect(result).toMatchObject({ output: { name: 'HttpBlockedError', message: expect.stringContaining('redirected more than 5 times') } });
    });

    it('times out a request that never gets an answer', async () => {
      const slow = new SandboxPool({ allowPrivateNetwork: true, http: { timeoutMs: 300 } });
      try {
        const started = Date.now();
        const result = await slow.call({ bundle: connector, op: 'action.run', target: 'fetchError', input: { url: `http://localhost:${server.port}/hang` }, capabilities: { allowedHosts: ['localhost'] } });
        expect(result).toMatchObject({ ok: true, output: { name: 'HttpTimeoutError', message: expect.stringContaining('timed out after 300 ms') } });
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await slow.close();
      }
    });

    it('caps the response size', async () => {
      const capped = new SandboxPool({ allowPrivateNetwork: true, http: { responseLimitBytes: 10 } });
      try {
        const result = await capped.call({ bundle: connector, op: 'action.run', target: 'fetchError', input: { url: `http://localhost:${server.port}/` }, capabilities: { allowedHosts: ['localhost'] } });
        expect(result).toMatchObject({ output: { name: 'HttpResponseTooLargeError' } });
      } finally {
        await capped.close();
      }
    });
  });

  it('matches allowed hosts exactly or by *. wildcard', () => {
    expect(isHostAllowed('api.example.com', ['api.example.com'])).toBe(true);
    expect(isHostAllowed('API.Example.com.', ['api.example.com'])).toBe(true);
    expect(isHostAllowed('evil-api.example.com', ['api.example.com'])).toBe(false);
    expect(isHostAllowed('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(isHostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(isHostAllowed('badexample.com', ['*.example.com'])).toBe(false);
    expect(isHostAllowed('example.com.evil.io', ['*.example.com'])).toBe(false);
  });
});
